"""The tracing interpreter: the definition of every answer, and the oracle the compiled code
is held to."""
