"""Classification, measures and scoring on Spark: the generated Spark SQL run on a
`pyspark.sql.DataFrame` (docs/sql.md).

The optional `spark` extra; nothing else in the library imports this package or pyspark.
"""

from .classify import classify, measure
from .scoring import score

__all__ = ["classify", "measure", "score"]
