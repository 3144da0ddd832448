"""Pass/fail lines for the Python kernel tests: check() prints each result
as it comes ("ok   ..." or "FAIL ..."), `failures` keeps what failed, and
summary() prints the count and returns the exit code."""

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def fail(what):
    check(False, what)


def summary():
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0
