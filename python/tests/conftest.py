"""Eight emulated CPU devices for every test: the flags must be set before JAX starts its
backend, so they are set here, before any test module imports jax."""

import os

if "--xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def pytest_sessionfinish(session, exitstatus):
    """Write docs/conformance.md when every conformance case ran (not on a partial -k run)."""
    import sys

    report = sys.modules.get("report")
    if report is not None and report.RESULTS and len(report.RESULTS) == report.EXPECTED_CASES[0]:
        report.write()
