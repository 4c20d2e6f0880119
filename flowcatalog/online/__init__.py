"""Online checks: web links and the Figma API, with their policies, liveness findings and
the cache."""
