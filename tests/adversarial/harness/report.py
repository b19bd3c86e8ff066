"""What the run prints: cutover's failures in full, the contract questions, and the three proxies'
scores side by side. `passed` counts cases whose status and every check held; `safe` counts cases
whose safety invariants held, whatever the status (see judge.py)."""


def _cell(results, cases):
    if results is None:
        return "-"
    judged = [results[c.name] for c in cases if c.name in results]
    passed = sum(1 for r in judged if r.verdict.passed)
    safe = sum(1 for r in judged if not r.verdict.safety)
    return f"{passed}/{len(judged)} (safe {safe})"


def scores(cases, results, kinds):
    classes = []
    for c in cases:
        if c.cls not in classes:
            classes.append(c.cls)
    width = 24
    lines = ["", "scores: passed/cases, contract questions included "
                 "(safe = the safety invariants held, whatever the status)",
             f"{'class':<12}{'cases':>6}  " + "".join(f"{k:<{width}}" for k in kinds)]
    for cls in classes + ["all"]:
        subset = [c for c in cases if cls in ("all", c.cls)]
        row = f"{cls:<12}{len(subset):>6}  "
        row += "".join(f"{_cell(results.get(k), subset):<{width}}" for k in kinds)
        lines.append(row)
    return "\n".join(lines)


def failure(kind, case, result):
    v = result.verdict
    lines = [f"FAIL [{kind}] {case.name}" + (f"  ({case.note})" if case.note else "")]
    lines.append(f"    sent:     {result.raw[:240]!r}{' ...' if len(result.raw) > 240 else ''}")
    reason = " or ".join(case.reason) if isinstance(case.reason, tuple) else case.reason
    lines.append(f"    expected: {sorted(case.expect)}" + (f" {reason}" if reason else ""))
    lines.append(f"    got:      {result.outcome.describe()}"
                 + (f" [{result.outcome.error}]" if result.outcome.error else ""))
    for msg in v.safety:
        lines.append(f"    SAFETY:   {msg}")
    for msg in v.contract:
        lines.append(f"    contract: {msg}")
    return "\n".join(lines)


def gaps(cases, results, kinds):
    rows = [c for c in cases if c.gap]
    if not rows:
        return ""
    lines = ["", "contract questions (reported, never fail the run):"]
    for c in rows:
        marks = []
        for k in kinds:
            r = (results.get(k) or {}).get(c.name)
            if r is not None:
                first = (r.verdict.safety + r.verdict.contract)[:1]
                marks.append(f"{k} {'pass' if r.verdict.passed else 'FAIL: ' + first[0]}")
        lines.append(f"  {c.name}: {c.gap}")
        lines.append("      " + " | ".join(marks))
    return "\n".join(lines)
