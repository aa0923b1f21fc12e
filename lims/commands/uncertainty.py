"""``lims uncertainty evaluate BUDGET.json``: a GUM budget with an optional Monte Carlo check.

Prints the budget table and the result as a certificate writes it, or with ``--json``
exactly ``lims.metrology.uncertainty.evaluate_budget(...).to_dict()``. A budget that
cannot be evaluated ends with one message naming the input, and exit code 2. A warning
(an input the model does not use) is a line on stderr, as well as in the JSON's
``warnings``; the evaluation is still done (exit code 0).
"""
from __future__ import annotations

import json
from typing import Any

import click


class BudgetProblem(click.ClickException):
    """A bad budget: message on stderr, exit code 2."""

    exit_code = 2


def _number(value: float, digits: int = 4) -> str:
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def _quantity(data: dict[str, Any], digits: int = 4) -> str:
    from lims.metrology.units import format_unit

    symbol = format_unit(data["unit"])
    return _number(data["value"], digits) + (f" {symbol}" if symbol else "")


def render_text(result: Any, lang: str = "en") -> str:
    """The budget as a plain-text table followed by the result lines."""
    data = result.to_dict()
    headers = ["symbol", "estimate", "u(x)", "distribution", "c", "u_i(y)", "dof", "%"]
    rows = [headers]
    for row in data["budget"]:
        rows.append([
            row["symbol"],
            _quantity(row["estimate"], 6),
            _quantity(row["standard_uncertainty"]),
            row["distribution"],
            _quantity(row["sensitivity"]),
            _quantity(row["contribution"]),
            "inf" if row["dof"] is None else _number(row["dof"], 3),
            f"{row['percent']:.1f}",
        ])
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    dof = data["dof_effective"]
    symbol = data["measurand"]["symbol"]
    lines += [
        "",
        f"{symbol} = {_quantity(data['value'], 8)}",
        f"u_c = {_quantity(data['standard_uncertainty'])}",
        f"dof_eff = {'inf' if dof is None else _number(dof, 4)}",
        f"k = {data['k']:.4f}   (p = {data['coverage_probability']})",
        f"U = {_quantity(data['expanded_uncertainty'])}",
        "",
        data["result_text_vi"] if lang == "vi" else data["result_text"],
    ]
    mc = data.get("monte_carlo")
    if mc:
        low, high = mc["coverage_interval"]
        verdict = "validated" if mc["gum_validated"] else "NOT validated"
        lines += [
            "",
            f"Monte Carlo (JCGM 101), {mc['trials']} trials:",
            f"  mean = {_quantity(mc['mean'], 8)}, u = {_quantity(mc['standard_uncertainty'])}",
            f"  {mc['interval_kind']} coverage interval = [{_quantity(low, 6)}, {_quantity(high, 6)}]",
            f"  GUM interval {verdict} (tolerance {_quantity(mc['validation']['tolerance'], 2)}; "
            f"d_low = {_quantity(mc['validation']['d_low'], 2)}, d_high = {_quantity(mc['validation']['d_high'], 2)})",
        ]
    return "\n".join(lines)


@click.group("uncertainty")
def command() -> None:
    """Measurement uncertainty: GUM budgets (JCGM 100) with a Monte Carlo check (JCGM 101)."""


@command.command("evaluate")
@click.argument("budget_file", metavar="BUDGET.json")
@click.option("--monte-carlo", "trials", type=int, default=None, metavar="N",
              help="Also propagate the distributions with N Monte Carlo trials (e.g. 1000000).")
@click.option("--seed", type=int, default=None, help="Random seed: makes the Monte Carlo run repeatable.")
@click.option("--interval", type=click.Choice(["shortest", "symmetric"]), default="shortest",
              show_default=True, help="Monte Carlo coverage interval.")
@click.option("--fractional-dof", is_flag=True,
              help="Use the fractional effective degrees of freedom for k (default: truncated, GUM G.6.4).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="en", show_default=True,
              help="Language of the result line in the text output.")
def evaluate(budget_file: str, trials: int | None, seed: int | None, interval: str,
             fractional_dof: bool, as_json: bool, lang: str) -> None:
    """Evaluate the uncertainty budget in BUDGET.json."""
    from lims.i18n import N_, translator
    from lims.metrology.errors import MetrologyError
    from lims.metrology.uncertainty import evaluate_budget_file

    try:
        result = evaluate_budget_file(budget_file, monte_carlo=trials, seed=seed,
                                      fractional_dof=fractional_dof, interval=interval)
        output = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if as_json
                  else render_text(result, lang))
    except MetrologyError as exc:
        message = str(exc)
        raise BudgetProblem(message if budget_file in message else f"{budget_file}: {message}") from None
    say = translator(lang)
    for warning in result.warnings():
        click.echo(say(N_("warning: %(text)s"), text=warning["text_vi" if lang == "vi" else "text"]), err=True)
    click.echo(output)

