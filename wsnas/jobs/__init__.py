"""The functions rules call, with plain arguments; python -m wsnas calls the same ones."""
