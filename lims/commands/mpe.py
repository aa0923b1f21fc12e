"""``lims mpe ...``: maximum permissible errors and conformity decisions.

``lims mpe r76 --accuracy-class III --e "5 g" --load "2 kg" [--in-service] --json`` prints
``{"mpe": {"value": 2.5, "unit": "g"}}``; ``reading``, ``span``, ``fixed`` and ``spec``
cover the other rules, ``decide`` applies an ILAC G8 decision rule. Bad input ends with
one message and exit code 2.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import click

Lang = Literal["vi", "en"]


class MpeProblem(click.ClickException):
    """Bad MPE or decision input: message on stderr, exit code 2."""

    exit_code = 2


def _run(compute: Callable[[], Any]) -> Any:
    from lims.metrology.errors import MetrologyError

    try:
        return compute()
    except MetrologyError as exc:
        raise MpeProblem(str(exc)) from None


def _print_mpe(mpe: Any, as_json: bool, lang: Lang, rule_text: str | None = None) -> None:
    from lims.metrology.units import format_quantity, quantity_to_dict

    if as_json:
        click.echo(json.dumps({"mpe": quantity_to_dict(mpe)}, ensure_ascii=False))
        return
    click.echo(f"MPE = ±{format_quantity(mpe, lang)}".replace("\u00a0", " "))
    if rule_text:
        click.echo(rule_text.replace("\u00a0", " "))


_json_option = click.option("--json", "as_json", is_flag=True, help="Print {\"mpe\": {\"value\", \"unit\"}}.")
_lang_option = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
                            help="Language of the text output.")


@click.group("mpe")
def command() -> None:
    """Maximum permissible errors (OIML R76, accuracy classes, fixed) and decision rules."""


@command.command("r76")
@click.option("--accuracy-class", required=True, help="I, II, III or IIII.")
@click.option("--e", "e", required=True, help="Verification scale interval, e.g. \"5 g\".")
@click.option("--load", required=True, help="Test load, e.g. \"2 kg\".")
@click.option("--in-service", is_flag=True, help="In-service MPE (twice the initial verification MPE).")
@_json_option
@_lang_option
def r76(accuracy_class: str, e: str, load: str, in_service: bool, as_json: bool, lang: Lang) -> None:
    """MPE of a non-automatic weighing instrument (OIML R76-1 3.5)."""
    from lims.metrology.mpe import R76Rule, r76_class, r76_mpe

    mpe = _run(lambda: r76_mpe(accuracy_class, e, load, in_service))
    _print_mpe(mpe, as_json, lang, R76Rule(r76_class(accuracy_class), e, in_service).describe(lang))


@command.command("reading")
@click.option("--percent", type=float, required=True, help="Percentage of the reading.")
@click.option("--reading", required=True, help="The reading, e.g. \"100 degC\".")
@click.option("--fixed", default=None, help="A fixed part added, e.g. \"0.15 delta_degC\".")
@_json_option
@_lang_option
def reading(percent: float, reading: str, fixed: str | None, as_json: bool, lang: Lang) -> None:
    """MPE of ±(p % of reading [+ fixed])."""
    from lims.metrology.mpe import percent_of_reading

    _print_mpe(_run(lambda: percent_of_reading(percent, reading, fixed)), as_json, lang)


@command.command("span")
@click.option("--percent", "--accuracy-class", "percent", type=float, required=True,
              help="Percentage of the span (the accuracy class of a gauge).")
@click.option("--span", nargs=2, default=None, metavar="LOW HIGH", help="Range, e.g. \"0 bar\" \"16 bar\".")
@click.option("--full-scale", default=None, help="Full scale when the range starts at zero.")
@_json_option
@_lang_option
def span(percent: float, span: tuple[str, str] | None, full_scale: str | None, as_json: bool, lang: Lang) -> None:
    """MPE of ±p % of span (pressure gauges, dial thermometers)."""
    from lims.metrology.mpe import percent_of_span

    if (span is None) == (full_scale is None):
        raise MpeProblem("give either --span LOW HIGH or --full-scale")
    _print_mpe(_run(lambda: percent_of_span(percent, list(span) if span else full_scale)), as_json, lang)


@command.command("fixed")
@click.option("--mpe", "value", required=True, help="The fixed MPE, e.g. \"0.5 delta_degC\".")
@_json_option
@_lang_option
def fixed(value: str, as_json: bool, lang: Lang) -> None:
    """A fixed ±MPE."""
    from lims.metrology.mpe import fixed_mpe

    _print_mpe(_run(lambda: fixed_mpe(value)), as_json, lang)


def _spec(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MpeProblem(f"the {what} is not valid JSON: {exc.msg} (column {exc.colno})") from None


@command.command("spec")
@click.argument("spec_json", metavar="SPEC")
@click.option("--at", "at", default=None, help="Reading or load the MPE applies to.")
@_json_option
@_lang_option
def spec(spec_json: str, at: str | None, as_json: bool, lang: Lang) -> None:
    """MPE from a rule given as JSON, e.g. '{"rule": "r76", "accuracy_class": "III", "e": "5 g"}'."""
    from lims.metrology.mpe_spec import parse_mpe_spec

    rule = _run(lambda: parse_mpe_spec(_spec(spec_json, "MPE rule")))
    _print_mpe(_run(lambda: rule.mpe(at)), as_json, lang, rule.describe(lang))


@command.command("decide")
@click.option("--error", "error", required=True, help="Measured error, e.g. \"0.3 g\".")
@click.option("--mpe", "mpe", required=True, help="MPE (the limits are ±MPE), e.g. \"0.5 g\".")
@click.option("--uncertainty", "-U", "uncertainty", default=None, help="Expanded uncertainty U.")
@click.option("--rule", type=click.Choice(["simple", "guard_band", "non_binary"]), default="simple",
              show_default=True, help="ILAC G8:09/2019 decision rule.")
@click.option("--r", "r", type=float, default=1.0, show_default=True, help="Guard band w = r·U.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@_lang_option
def decide(error: str, mpe: str, uncertainty: str | None, rule: str, r: float, as_json: bool, lang: Lang) -> None:
    """Conformity of a measured error with ±MPE by a decision rule."""
    from lims.metrology.decision import decide as apply_rule

    verdict = _run(lambda: apply_rule(error, uncertainty, mpe, rule, r=r))
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
        return
    click.echo(verdict.statement(lang).replace("\u00a0", " "))
    click.echo(verdict.rule_text(lang))
