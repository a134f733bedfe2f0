"""The one exception type that the command line turns into a single readable line."""


class WsnasError(Exception):
    """Bad input (dataset, config key, architecture id, checkpoint, results file).

    The message is one line that names the file or key and says what to do.
    """
