"""`--help` of every command and sub-command: described, every option explained."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from edaviz.cli import build_parser, main

#: Widest line a raw (unwrapped) description may have; argparse wraps the rest.
MAX_DESCRIPTION_WIDTH = 80


def _commands(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*words, name))


COMMANDS = dict(_commands(build_parser()))


def test_every_command_and_subcommand_is_covered() -> None:
    assert ("broker", "start") in COMMANDS
    assert ("broker", "status") in COMMANDS
    assert len(COMMANDS) >= 13


@pytest.mark.parametrize("words", list(COMMANDS), ids=" ".join)
def test_every_command_has_a_description(words: tuple[str, ...]) -> None:
    parser = COMMANDS[words]
    description = parser.description or ""
    assert description.strip(), f"edaviz {' '.join(words)} has no description"
    if issubclass(parser.formatter_class, argparse.RawDescriptionHelpFormatter):
        assert max(map(len, description.splitlines())) <= MAX_DESCRIPTION_WIDTH


@pytest.mark.parametrize("words", list(COMMANDS), ids=" ".join)
def test_every_option_and_command_has_help(words: tuple[str, ...]) -> None:
    parser = COMMANDS[words]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"edaviz {' '.join(words)} {choice.dest}"
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"edaviz {' '.join(words)}: {name} has no help"


@pytest.mark.parametrize("words", list(COMMANDS), ids=" ".join)
def test_argument_group_descriptions_are_short(words: tuple[str, ...]) -> None:
    for group in COMMANDS[words]._action_groups:
        for line in (group.description or "").splitlines():
            assert len(line) <= MAX_DESCRIPTION_WIDTH, (words, group.title, line)


@pytest.mark.parametrize("words", [w for w in COMMANDS if w], ids=" ".join)
def test_help_prints_and_exits_zero(words: tuple[str, ...], capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*words, "--help"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: edaviz {' '.join(words)}")
