"""Pilot tests of editing in the app: every edit through its key and dialog,
save with its refusals, undo/redo, quitting with unsaved edits, the problems
panel, file watching and the hand-over to $EDITOR."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from edaviz.core import atomic
from edaviz.core.document import FlowDocument
from edaviz.core.graph import NodeKey, event_key, handler_key
from edaviz.ui.app import EdavizApp
from edaviz.ui.editing import DIRTY_MARK, editor_command
from edaviz.ui.editing_screens import (
    ChoiceScreen,
    FieldsForm,
    PickScreen,
    ProblemsPanel,
    TextPrompt,
)
from edaviz.ui.sample import SAMPLE_TIME

SIZE = (120, 40)
SHOP = Path(__file__).with_name("shop.yaml")


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    target = tmp_path / "shop.yaml"
    shutil.copyfile(SHOP, target)
    return target


@pytest.fixture
def app(flow_file: Path) -> EdavizApp:
    return EdavizApp(FlowDocument.open(flow_file), clock=lambda: SAMPLE_TIME)


async def select(app: EdavizApp, pilot, node: NodeKey) -> None:
    app.selected_node = node
    await pilot.pause()


async def answer(pilot, *keys: str) -> None:
    await pilot.pause()
    await pilot.press(*keys)
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["minus" if c == "-" else c for c in text])


async def test_add_event_selects_it_and_marks_title(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.title.startswith(DIRTY_MARK)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, "order-cancelled")
        await answer(pilot, "enter")
        assert event_key("order-cancelled") in app.document.graph.full
        assert event_key("order-cancelled") in app.graph_view.graph
        assert app.selected_node == event_key("order-cancelled")
        assert app.title.startswith(DIRTY_MARK)
        assert "  order-cancelled: {}\n" in app.document.text


async def test_add_event_refuses_duplicate_id_in_the_prompt(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "order-placed")
        await answer(pilot, "enter")
        assert isinstance(app.screen, TextPrompt)
        assert "already" in str(app.screen.query_one("#prompt-error").render())
        await answer(pilot, "escape")
        assert not app.document.dirty


async def test_rename_to_a_taken_or_too_long_id_is_refused_in_the_prompt(
    app: EdavizApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("validator"))
        await pilot.press("r")
        await pilot.pause()
        field = app.screen.query_one(Input)
        for value, problem in (
            ("payments", "There is already a handler named 'payments'."),
            ("x" * 250, "ids are at most 249 characters"),
        ):
            field.value = value
            await answer(pilot, "enter")
            assert isinstance(app.screen, TextPrompt)
            assert str(app.screen.query_one("#prompt-error").render()) == problem
        await answer(pilot, "escape")
        assert not app.document.dirty


async def test_add_event_produced_by_the_selected_handler(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("shipping"))
        await pilot.press("a")
        await type_text(pilot, "order-delayed")
        await answer(pilot, "enter")
        graph = app.document.graph.full
        assert graph.has_edge(handler_key("shipping"), event_key("order-delayed"))
        assert app.selected_node == event_key("order-delayed")


async def test_add_handler_consumes_the_selected_event(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("payment-failed"))
        await pilot.press("h")
        await type_text(pilot, "refunds")
        await answer(pilot, "enter")
        graph = app.document.graph.full
        assert graph.has_edge(event_key("payment-failed"), handler_key("refunds"))
        assert app.selected_node == handler_key("refunds")


async def test_rename_follows_references(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("order-placed"))
        await pilot.press("r")
        await pilot.pause()
        prompt = app.screen.query_one(Input)
        assert prompt.value == "order-placed"
        prompt.value = "order-created"
        await answer(pilot, "enter")
        assert app.selected_node == event_key("order-created")
        flow = app.document.flow
        assert flow is not None
        assert flow.handlers["validator"].consumes == ("order-created",)
        assert flow.events["order-created"].topic == "order-placed"
        await pilot.pause()


async def test_delete_asks_naming_what_goes(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("payments"))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        message = str(app.screen.query_one("#choice-message").render())
        assert "handler payments and 3 edges" in message
        assert "payments -> payment-failed" in message
        await answer(pilot, "escape")
        assert handler_key("payments") in app.document.graph.full
        await pilot.press("d")
        await answer(pilot, "enter")
        assert handler_key("payments") not in app.document.graph.full
        assert handler_key("payments") not in app.graph_view.graph
        assert app.selected_node is None


async def test_connect_and_disconnect_from_a_list(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("shipping"))
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await type_text(pilot, "consumes order-validated")
        await answer(pilot, "enter")
        graph = app.document.graph.full
        assert graph.has_edge(event_key("order-validated"), handler_key("shipping"))

        await pilot.press("x")
        await pilot.pause()
        await type_text(pilot, "produces")
        await answer(pilot, "enter")
        graph = app.document.graph.full
        assert not graph.has_edge(handler_key("shipping"), event_key("order-shipped"))


async def test_connect_making_a_cycle_is_refused_and_shown(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("checkout"))
        before = app.document.text
        await pilot.press("c")
        await type_text(pilot, "consumes order-shipped")
        await answer(pilot, "enter")
        assert app.document.text == before
        assert handler_key("shipping") in app.graph_view.faulty_nodes
        notes = [n.message for n in app._notifications]
        assert any("cycle" in m and "order-shipped -> checkout" in m for m in notes)


async def test_edit_fields_in_a_form(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("order-placed"))
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FieldsForm)
        form.query_one("#field-topic", Input).value = "shop.orders"
        form.query_one("#field-partitions", Input).value = "6"
        form.query_one("#field-description", Input).value = ""
        await answer(pilot, "ctrl+s")
        flow = app.document.flow
        assert flow is not None
        event = flow.events["order-placed"]
        assert (event.topic, event.partitions, event.description) == (
            "shop.orders",
            6,
            None,
        )
        # One form, one undo step.
        await answer(pilot, "ctrl+z")
        assert app.document.text == SHOP.read_text()


async def test_applying_an_untouched_form_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "folded.yaml"
    path.write_text(
        "edaviz: 1\nname: folded\nevents:\n  a:\n    description: |\n"
        "      first line\n      second line\n"
        "handlers:\n  h:\n    consumes: [a]\n"
    )
    app = EdavizApp(FlowDocument.open(path), clock=lambda: SAMPLE_TIME)
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("a"))
        await pilot.press("e")
        await answer(pilot, "enter")
        assert not isinstance(app.screen, FieldsForm)
        assert not app.document.dirty and not app.document.can_undo


async def test_an_edit_that_rewrites_the_layout_says_so(tmp_path: Path) -> None:
    path = tmp_path / "folded.yaml"
    path.write_text(
        "edaviz: 1\nname: folded\n"
        "events: {a: {description: two\n    lines}}\n"
        "handlers:\n  h:\n    consumes: [a]\n"
    )
    app = EdavizApp(FlowDocument.open(path), clock=lambda: SAMPLE_TIME)
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("a"))
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-description", Input).value = "one line"
        await answer(pilot, "enter")
        assert app.document.flow is not None
        assert app.document.flow.events["a"].description == "one line"
        titles = [n.title for n in app._notifications]
        assert "Layout rewritten" in titles


async def test_undo_redo_and_title(app: EdavizApp, flow_file: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("notifier"))
        await pilot.press("d")
        await answer(pilot, "enter")
        assert app.title.startswith(DIRTY_MARK)
        await answer(pilot, "ctrl+z")
        assert app.document.text == flow_file.read_text()
        assert not app.title.startswith(DIRTY_MARK)
        assert handler_key("notifier") in app.graph_view.graph
        await answer(pilot, "ctrl+y")
        assert handler_key("notifier") not in app.graph_view.graph


async def test_save_writes_file_and_backup(app: EdavizApp, flow_file: Path) -> None:
    original = flow_file.read_text()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "audit")
        await answer(pilot, "enter")
        await answer(pilot, "ctrl+s")
        assert flow_file.read_text() == original.replace(
            "  order-shipped:\n    partitions: 2\n",
            "  order-shipped:\n    partitions: 2\n  audit: {}\n",
        )
        assert flow_file.with_name("shop.yaml.bak").read_text() == original
        assert not app.document.dirty
        assert not app.title.startswith(DIRTY_MARK)


async def test_failed_save_says_so_and_keeps_the_file(
    app: EdavizApp, flow_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = flow_file.read_text()

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "audit")
        await answer(pilot, "enter")
        monkeypatch.setattr(atomic.os, "replace", full_disk)
        await answer(pilot, "ctrl+s")
        assert flow_file.read_text() == original
        assert app.document.dirty and app.title.startswith(DIRTY_MARK)
        notes = [n.message for n in app._notifications]
        assert any("No space left" in m and "unchanged" in m for m in notes)


async def test_read_only_file_says_so_and_keeps_the_file(
    app: EdavizApp, flow_file: Path
) -> None:
    original = flow_file.read_text()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "audit")
        await answer(pilot, "enter")
        flow_file.chmod(0o444)
        await answer(pilot, "ctrl+s")
        assert flow_file.read_text() == original
        assert app.document.dirty and app.title.startswith(DIRTY_MARK)
        notes = [n.message for n in app._notifications]
        assert f"{flow_file} is unchanged: the file is read-only" in notes


async def test_invalid_save_offers_a_draft(app: EdavizApp, flow_file: Path) -> None:
    original = flow_file.read_text()
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("order-placed"))
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-topic", Input).value = "bad topic"
        await answer(pilot, "ctrl+s")
        assert app.document.flow is None
        problems = app.query_one(ProblemsPanel)
        assert problems.has_class("-shown") and problems.option_count >= 1
        assert event_key("order-placed") in app.graph_view.faulty_nodes

        await answer(pilot, "ctrl+s")
        assert isinstance(app.screen, ChoiceScreen)
        await answer(pilot, "enter")  # "Save draft" has the focus
        assert flow_file.read_text() == original
        assert flow_file.with_name("shop.draft.yaml").read_text() == app.document.text

        await answer(pilot, "ctrl+s")
        await pilot.click("#choice-overwrite")
        await pilot.pause()
        assert flow_file.read_text() == app.document.text


async def test_picking_a_problem_selects_its_node(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("shipping"))
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-group", Input).value = "payments"
        await answer(pilot, "enter")
        await select(app, pilot, event_key("order-placed"))
        problems = app.query_one(ProblemsPanel)
        problems.focus()
        await answer(pilot, "enter")
        assert app.selected_node is not None
        assert app.selected_node.kind == "handler"


async def test_quit_with_unsaved_edits_asks(app: EdavizApp, flow_file: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "audit")
        await answer(pilot, "enter")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await answer(pilot, "escape")
        assert app.is_running
        await pilot.press("q")
        await answer(pilot, "enter")  # Save and quit
    assert "audit" in flow_file.read_text()


async def test_save_and_quit_with_errors_quits_after_the_draft(
    app: EdavizApp, flow_file: Path
) -> None:
    original = flow_file.read_text()
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, event_key("order-placed"))
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-topic", Input).value = "bad topic"
        await answer(pilot, "enter")
        assert app.document.flow is None
        await answer(pilot, "q")
        await answer(pilot, "enter")  # Save and quit
        assert isinstance(app.screen, ChoiceScreen)
        await answer(pilot, "enter")  # Save draft
        assert app.return_code == 0  # exit() was called, unasked
    assert flow_file.read_text() == original
    assert "bad topic" in flow_file.with_name("shop.draft.yaml").read_text()


async def test_quit_without_edits_does_not_ask(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_external_edit_reloads_keeping_selection(
    app: EdavizApp, flow_file: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("shipping"))
        flow_file.write_text(
            flow_file.read_text() + "  audit:\n    consumes: [order-shipped]\n"
        )
        app.check_file()
        await pilot.pause()
        assert handler_key("audit") in app.graph_view.graph
        assert app.selected_node == handler_key("shipping")
        assert not app.document.dirty


CYCLIC = """\
edaviz: 1
name: loop
events:
  e1: {}
  e2: {}
handlers:
  h:
    consumes: [e1]
    produces: [e2]
  g:
    consumes: [e2]
    produces: [e1]
"""


def problem_texts(app: EdavizApp) -> list[str]:
    problems = app.query_one(ProblemsPanel)
    assert problems.has_class("-shown")
    return [
        str(problems.get_option_at_index(i).prompt)
        for i in range(problems.option_count)
    ]


async def test_a_flow_with_a_cycle_opens_with_the_loop_drawn(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(CYCLIC)
    app = EdavizApp(FlowDocument.open(path), clock=lambda: SAMPLE_TIME)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.graph_view
        assert len(view.scene.boxes) == 4
        closing = (handler_key("g"), event_key("e1"))
        assert closing in view.faulty_edges and view.scene.edge_rows[closing]
        assert any("cycle: e1 -> h -> e2 -> g -> e1" in t for t in problem_texts(app))
        await pilot.press("v")  # the events view loops too: e1 -> e2 -> e1
        await pilot.pause()
        assert len(app.graph_view.scene.boxes) == 2
        await pilot.press("f")
        await pilot.pause()
    assert app.return_code is None


async def test_external_edit_adding_a_cycle_reloads_and_lists_it(
    app: EdavizApp, flow_file: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        flow_file.write_text(
            flow_file.read_text()
            + "  audit:\n    consumes: [order-shipped]\n    produces: [order-placed]\n"
        )
        app.check_file()
        await pilot.pause()
        assert handler_key("audit") in app.graph_view.scene.boxes
        assert app.document.flow is None
        assert any("cycle: order-placed" in t for t in problem_texts(app))
        assert handler_key("audit") in app.graph_view.faulty_nodes
    assert app.return_code is None


async def test_the_file_is_watched_without_being_asked(
    app: EdavizApp, flow_file: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        flow_file.write_text(flow_file.read_text() + "  audit: {}\n")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while handler_key("audit") not in app.graph_view.graph:
            assert loop.time() < deadline, "the change on disk was not picked up"
            await pilot.pause(0.1)


async def test_external_edit_with_local_edits_asks(
    app: EdavizApp, flow_file: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_text(pilot, "mine")
        await answer(pilot, "enter")
        flow_file.write_text(
            flow_file.read_text().replace("name: shop", "name: theirs")
        )
        app.check_file()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-later")
        await pilot.pause()
        app.check_file()  # same version of the file: not asked again
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceScreen)
        assert event_key("mine") in app.document.graph.full

        flow_file.write_text(flow_file.read_text() + "# again\n")
        app.check_file()
        await pilot.pause()
        await pilot.click("#choice-reload")
        await pilot.pause()
        assert app.document.flow is not None and app.document.flow.name == "theirs"
        assert event_key("mine") not in app.graph_view.graph
        await answer(pilot, "ctrl+z")  # the local edits come back
        assert event_key("mine") in app.graph_view.graph


async def test_open_in_editor_at_the_node_line(
    app: EdavizApp, flow_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "editor.log"
    script = tmp_path / "fake-editor.py"
    script.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path({str(log)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "p = pathlib.Path(sys.argv[2])\n"
        "p.write_text(p.read_text().replace('owner: web', 'owner: shop-web'))\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")

    class NoSuspend:
        def __enter__(self) -> None: ...
        def __exit__(self, *exc: object) -> None: ...

    monkeypatch.setattr(EdavizApp, "suspend", lambda self: NoSuspend())
    async with app.run_test(size=SIZE) as pilot:
        await select(app, pilot, handler_key("checkout"))
        await answer(pilot, "ctrl+e")
        assert log.read_text() == f"+17 {flow_file}"
        flow = app.document.flow
        assert flow is not None and flow.handlers["checkout"].owner == "shop-web"
    assert os.environ["VISUAL"].endswith("fake-editor.py")


@pytest.mark.parametrize(
    ("editor", "command"),
    [
        ("vim", ["vim", "+12", "f.yaml"]),
        ("emacs -nw", ["emacs", "-nw", "+12", "f.yaml"]),
        ("code --wait", ["code", "--wait", "-g", "f.yaml:12"]),
        ("/usr/local/bin/hx", ["/usr/local/bin/hx", "f.yaml:12"]),
        ("'/opt/My Editor/subl' -w", ["/opt/My Editor/subl", "-w", "f.yaml:12"]),
    ],
)
def test_editor_command_puts_the_line_where_the_editor_reads_it(
    editor: str, command: list[str]
) -> None:
    assert editor_command(editor, "f.yaml", 12) == command


async def test_editing_actions_are_in_the_command_palette(app: EdavizApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Add event", "Delete node", "Save", "Undo", "Open in $EDITOR"} <= titles
