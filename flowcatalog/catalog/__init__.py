"""The catalog: YAML nodes with their marks, the schema, the model built from them, and
the coverage of its matrix."""
