"""Finding texts as data: a title, an explanation and fixes per finding id, with named
placeholders the rule fills.

The words live in a TOML file (`findings.toml` beside the rules) so that they can
be reviewed as writing, apart from the rules' logic, as dnspython keeps an
exception's message in its `fmt`. A placeholder is `{name}` or `{name:format}`.
It names one of three things:

- a value the rule passes (`explains`, `dhcp_server`);
- a shared text, written once in the file's `[shared]` table and used by several
  findings (the `phonesim dhcp-config` hint);
- a choice: a table of texts (in `[shared]` or in the finding's own `parts`) of
  which the rule picks one by passing its key (`outcome = "failed"`). A choice
  is how a sentence differs with the evidence, without prose in the rules.

Texts are filled recursively (a choice's text may hold placeholders). A fix that
fills to nothing is left out. A rule that leaves a placeholder unfilled, or picks
a choice that does not exist, is an error; a test holds every rule's call to the
placeholders of its text, so that error is met in the tests, not in a user's run.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from phonesim.diagnosis.finding import Finding

Choice = Mapping[str, str]


class FindingTextError(LookupError):
    """A finding's text cannot be filled: a rule and its text disagree (a bug, not bad input)."""


def placeholders(text: str) -> Iterator[str]:
    """The names in `text`'s placeholders, in order."""
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier():
            raise FindingTextError(f"placeholder {{{name}}} is not a plain name")
        yield name


@dataclass(frozen=True)
class FindingText:
    id: str
    title: str | None
    explanation: str | None
    remediation: tuple[str, ...] | None
    """None for a text that rewrites only some parts of a finding (see `rewrite`)."""
    parts: Mapping[str, Choice] = field(default_factory=dict)
    shared: Mapping[str, str | Choice] = field(default_factory=dict)

    def _texts(self) -> list[str]:
        return [
            *(t for t in (self.title, self.explanation) if t is not None),
            *(self.remediation or ()),
        ]

    def _named(self, name: str) -> str | Choice | None:
        return self.parts.get(name, self.shared.get(name))

    @property
    def needs(self) -> frozenset[str]:
        """Every name a rule passes to fill this text: values, and the choices it picks."""
        needed: set[str] = set()
        seen: set[str] = set()
        pending = [name for text in self._texts() for name in placeholders(text)]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            named = self._named(name)
            if named is None:
                needed.add(name)
            elif isinstance(named, str):
                pending += placeholders(named)
            else:
                needed.add(name)
                pending += [n for option in named.values() for n in placeholders(option)]
        return frozenset(needed)

    def choices(self) -> dict[str, frozenset[str]]:
        """Each choice this text uses, with the keys a rule may pick."""
        return {
            name: frozenset(named)
            for name in self.needs
            if isinstance(named := self._named(name), Mapping)
        }

    def fill(self, text: str, values: Mapping[str, Any], depth: int = 0) -> str:
        if depth > 8:
            raise FindingTextError(f"{self.id}: texts that name each other without end")
        filled: dict[str, Any] = {}
        for name in placeholders(text):
            named = self._named(name)
            if named is None:
                if name not in values:
                    raise FindingTextError(f"{self.id}: no value for {{{name}}}")
                filled[name] = values[name]
            elif isinstance(named, str):
                filled[name] = self.fill(named, values, depth + 1)
            else:
                key = values.get(name)
                if key not in named:
                    raise FindingTextError(
                        f"{self.id}: {name}={key!r} is not one of {sorted(named)}"
                    )
                filled[name] = self.fill(named[str(key)], values, depth + 1)
        return text.format_map(filled)

    def finding(
        self,
        *,
        severity: str,
        evidence: dict[str, Any],
        priority: int,
        phone_screen: str | None = None,
        symptom: bool = False,
        **values: Any,
    ) -> Finding:
        """The finding, its texts filled from `values`."""
        if self.title is None or self.explanation is None or self.remediation is None:
            raise FindingTextError(f"{self.id}: only a rewrite, not a whole finding")
        return Finding(
            id=self.id,
            severity=severity,
            title=self.fill(self.title, values),
            explanation=self.fill(self.explanation, values),
            evidence=evidence,
            remediation=self._fixes(values),
            phone_screen=phone_screen,
            priority=priority,
            symptom=symptom,
        )

    def rewrite(self, finding: Finding, **values: Any) -> Finding:
        """`finding` with the parts this text gives replaced, filled from `values`."""
        changed: dict[str, Any] = {}
        if self.title is not None:
            changed["title"] = self.fill(self.title, values)
        if self.explanation is not None:
            changed["explanation"] = self.fill(self.explanation, values)
        if self.remediation is not None:
            changed["remediation"] = self._fixes(values)
        return replace(finding, **changed)

    def _fixes(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        filled = (self.fill(fix, values) for fix in self.remediation or ())
        return tuple(fix for fix in filled if fix)


class FindingTexts(Mapping[str, FindingText]):
    """Every finding text of one file, by finding id."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.source = source
        shared = dict(data.get("shared", {}))
        self._texts = {
            finding_id: _text(finding_id, table, shared, source)
            for finding_id, table in data.get("finding", {}).items()
        }

    @classmethod
    def load(cls, package: str, name: str) -> FindingTexts:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
        return cls(tomllib.loads(text), f"{package}/{name}")

    def __getitem__(self, finding_id: str) -> FindingText:
        return self._texts[finding_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def _text(
    finding_id: str, table: Mapping[str, Any], shared: dict[str, Any], source: str
) -> FindingText:
    unknown = set(table) - {"title", "explanation", "remediation", "parts"}
    if unknown:
        raise FindingTextError(f"{source}: {finding_id}: unknown keys {sorted(unknown)}")
    fixes = table.get("remediation")
    return FindingText(
        id=finding_id,
        title=table.get("title"),
        explanation=table.get("explanation"),
        remediation=None if fixes is None else tuple(fixes),
        parts=dict(table.get("parts", {})),
        shared=shared,
    )


__all__ = ["FindingText", "FindingTextError", "FindingTexts", "placeholders"]
