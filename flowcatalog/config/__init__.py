"""The configuration file (``.flowcatalog.yaml``): discovery, schema, settings, and the
per-rule severities it sets. Sits between the pipeline, which applies it, and the rules,
whose ids it names."""
