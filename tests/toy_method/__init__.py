"""A method declared outside wsnas, the end-to-end example of docs/development.md ("Adding a method"): this
file declares it (torch-free, so a misspelt option stops the DAG before any job starts), ``trainer.py``
implements the protocol. Config: ``method: {name: tests.toy_method, valid_fraction: 0.5, reweight: true}``."""

from wsnas.methods.declaration import Check, Declaration

DECLARATION = Declaration(
    name="tests.toy_method", trainer="tests.toy_method.trainer:TwiceInARow",
    summary="each child trains on two mini-batches in a row (a seam test, not a remedy)",
    options={"valid_fraction": 0.0, "reweight": False},
    checks={"valid_fraction": Check(lambda x: 0 <= x < 1, "a fraction in [0, 1)")},
)
