"""The catalog: YAML nodes with their marks, the schema, the model built from them, and
the coverage of its matrix."""

#: the largest catalog file read (here, where a run that needs no parser can see it)
MAX_BYTES = 10 * 1024 * 1024
