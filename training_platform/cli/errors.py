"""`tp`'s exit codes, and the one-line errors that carry them."""

OK = 0
FAILED = 1  # a run failed: training, evaluation, promotion or prediction
BLOCKED = 2  # a gate blocked a promotion: a metric gate, or an artifact failing its integrity check
USAGE = 3  # the input or configuration is wrong: the message names it and the fix


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    def __init__(self, message: str):
        super().__init__(message, USAGE)
