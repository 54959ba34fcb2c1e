"""`edaviz validate`, `edaviz schema` and `edaviz new` through the real CLI entry."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from edaviz.cli import main
from edaviz.cli.schema import schema_text
from edaviz.core.loader import load_flow
from tests.core.helpers import BASE

FLOWS = Path(__file__).parents[2] / "flows"
EXAMPLES = sorted(FLOWS.glob("*.yaml"))


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(BASE)
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("[payment.done]", "[payment.dne]"))
    return path


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    path = tmp_path / "warned.yaml"
    path.write_text(BASE + "  idle: {}\n")
    return path


# --- validate -----------------------------------------------------------------


def test_validate_valid_flow_exits_0(good: Path, capsys) -> None:
    assert main(["validate", str(good)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "edaviz: 1 flow checked: 1 valid (0 errors, 0 warnings)\n"


def test_validate_invalid_flow_exits_1(bad: Path, capsys) -> None:
    assert main(["validate", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"{bad}:13:16: error: undefined event 'payment.dne' in produces of handler "
        "'pay'; did you mean 'payment.done'?\n"
    )
    assert "1 invalid" in err


def test_validate_missing_file_exits_2_and_checks_the_rest(
    good: Path, bad: Path, tmp_path: Path, capsys
) -> None:
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(good), str(missing), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert f"{missing}: no such file" in err
    assert str(bad) in out
    assert err.splitlines()[-1] == (
        "edaviz: 3 flows checked: 1 valid, 1 invalid, 1 unreadable "
        "(1 error, 0 warnings)"
    )


def test_validate_warnings_pass_unless_strict(warned: Path, capsys) -> None:
    assert main(["validate", str(warned)]) == 0
    assert "warning: handler 'idle' has no edges" in capsys.readouterr().out
    assert main(["validate", "--strict", str(warned)]) == 1


def test_validate_quiet_prints_errors_only(warned: Path, bad: Path, capsys) -> None:
    assert main(["validate", "-q", str(warned), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1 and "error:" in out


def test_validate_quiet_and_strict_prints_the_failing_warnings(
    warned: Path, capsys
) -> None:
    assert main(["validate", "-q", "--strict", str(warned)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        f"{warned}:17:3: warning: handler 'idle' has no edges: it neither consumes "
        "nor produces an event\n"
    )


def test_validate_json_output(bad: Path, capsys) -> None:
    assert main(["validate", "--format", "json", str(bad)]) == 1
    (problem,) = json.loads(capsys.readouterr().out)
    assert problem == {
        "path": str(bad),
        "line": 13,
        "col": 16,
        "severity": "error",
        "message": "undefined event 'payment.dne' in produces of handler 'pay'; "
        "did you mean 'payment.done'?",
        "node": ["handler", "pay"],
        "edge": ["pay", "payment.dne"],
    }


def test_validate_reads_standard_input(monkeypatch, capsys) -> None:
    fake_stdin = io.TextIOWrapper(io.BytesIO(b"edaviz: 3\nname: x\n"))
    monkeypatch.setattr("sys.stdin", fake_stdin)
    assert main(["validate", "-"]) == 1
    assert capsys.readouterr().out.startswith("<stdin>:1:9: error: unsupported format")


def test_validate_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    # Enough warnings to fill a pipe buffer (64 KiB) before the reader leaves.
    events = "".join(f"  e{i}: {{}}\n" for i in range(2000))
    flow = tmp_path / "loose.yaml"
    flow.write_text(f"edaviz: 1\nname: loose\nevents:\n{events}")
    command = "import sys; from edaviz.cli import main; sys.exit(main())"
    with subprocess.Popen(
        [sys.executable, "-c", command, "validate", str(flow)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout.readline().startswith(str(flow).encode())
        process.stdout.close()
        err = process.stderr.read()
    assert process.returncode == 141
    assert err == b""


def test_validate_on_a_terminal_that_cannot_show_the_id(tmp_path: Path) -> None:
    flow = tmp_path / "cjk.yaml"
    flow.write_text("edaviz: 1\nname: x\nevents:\n  日本: {}\n", encoding="utf-8")
    command = "import sys; from edaviz.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", command, "validate", str(flow)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert done.returncode == 1
    assert done.stdout.decode() == (
        f"{flow}:4:3: error: event id '\\u65e5\\u672c' is not valid: use only "
        "letters, digits, '.', '_' and '-'\n"
    )


def test_validate_needs_a_file(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate"])
    assert caught.value.code == 2


@pytest.mark.parametrize("flow", EXAMPLES, ids=lambda p: p.name)
def test_example_flow_validates_cleanly(flow: Path) -> None:
    result = load_flow(flow)
    assert result.diagnostics == []
    assert main(["validate", "--strict", str(flow)]) == 0


def test_example_flows_are_the_promised_sizes() -> None:
    sizes = {p.stem: _size(p) for p in EXAMPLES}
    assert 10 <= sizes["order-saga"] <= 15
    assert sizes["logistics-platform"] >= 40
    saga = load_flow(FLOWS / "order-saga.yaml").flow
    slow = [h.id for h in saga.handlers.values() if h.simulate.delay_ms > 0]
    assert slow == ["payment-service"]
    assert all(e.partitions in (3, 6) for e in saga.events.values())


def test_iot_flow_fans_out_and_in() -> None:
    flow = load_flow(FLOWS / "iot-telemetry.yaml").flow
    fan_out = max(len(flow.consumers_of(e)) for e in flow.events)
    fan_in = max(len(h.consumes) for h in flow.handlers.values())
    assert fan_out >= 3 and fan_in >= 3


def _size(path: Path) -> int:
    flow = load_flow(path).flow
    return len(flow.events) + len(flow.handlers)


# --- schema ---------------------------------------------------------------------


def test_schema_prints_a_draft_2020_12_schema(capsys) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:edaviz:flow:v1"
    assert "id" not in schema["$defs"]["Event"]["properties"]
    assert schema["$defs"]["Handler"]["properties"]["consumes"]["description"]


@pytest.mark.parametrize("flow", EXAMPLES, ids=lambda p: p.name)
def test_schema_accepts_the_examples(flow: Path) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(schema_text()))
    data = YAML(typ="safe").load(flow.read_text())
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("topic: orders", "topik: orders"), "Additional properties"),
        (("partitions: 3", "partitions: three"), "is not of type 'integer'"),
        (("edaviz: 1", "edaviz: 2"), "1 was expected"),
        (("topic: orders", "topic: '..'"), "does not match"),
        (("  payment.done: {}", "  payment done: {}"), "does not match"),
    ],
)
def test_schema_rejects_bad_flows(change: tuple[str, str], complaint: str) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(schema_text()))
    data = YAML(typ="safe").load(BASE.replace(*change))
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors and any(complaint in message for message in errors), errors


def test_schema_accepts_an_event_without_fields() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(schema_text()))
    data = YAML(typ="safe").load(BASE)
    data["events"]["bare"] = None
    assert list(validator.iter_errors(data)) == []


def test_committed_schema_file_is_current() -> None:
    assert (FLOWS / "flow.schema.json").read_text() == schema_text()


def test_schema_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "flow.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text() == schema_text()


# --- new ------------------------------------------------------------------------


def test_new_writes_a_valid_commented_flow(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "checkout"]) == 0
    written = tmp_path / "checkout.yaml"
    text = written.read_text()
    assert text.count("#") >= 5
    result = load_flow(written)
    assert result.diagnostics == []
    assert result.flow.name == "checkout"


def test_new_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("precious")
    assert main(["new", "x", "-o", str(target)]) == 2
    assert target.read_text() == "precious"
    assert "already exists" in capsys.readouterr().err


def test_new_with_a_path_writes_that_file_named_after_its_stem(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows").mkdir()
    assert main(["new", str(tmp_path / "foo")]) == 0
    assert main(["new", "checkout.yaml"]) == 0
    assert main(["new", "flows/billing.yml"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkout.yaml",
        "flows",
        "foo.yaml",
    ]
    assert load_flow(tmp_path / "foo.yaml").flow.name == "foo"
    assert load_flow(tmp_path / "checkout.yaml").flow.name == "checkout"
    assert load_flow(tmp_path / "flows" / "billing.yml").flow.name == "billing"


def test_new_with_a_plain_name_keeps_writing_name_yaml(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "Checkout saga"]) == 0
    assert load_flow(tmp_path / "Checkout-saga.yaml").flow.name == "Checkout saga"
    assert main(["new", "order.saga"]) == 0
    assert load_flow(tmp_path / "order.saga.yaml").flow.name == "order.saga"
    assert main(["new", "Über Flow"]) == 0
    written = tmp_path / "Über-Flow.yaml"
    assert load_flow(written).flow.name == "Über Flow"
    assert 'name: "Über Flow"' in written.read_text(encoding="utf-8")


def test_new_with_a_path_and_output_names_the_flow_after_the_path(
    tmp_path: Path,
) -> None:
    target = tmp_path / "other.yaml"
    assert main(["new", "flows/checkout.yaml", "-o", str(target)]) == 0
    assert load_flow(target).flow.name == "checkout"


def test_new_refuses_an_existing_file_named_by_name(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkout.yaml").write_text("precious")
    assert main(["new", "checkout.yaml"]) == 2
    assert main(["new", "checkout"]) == 2
    assert (tmp_path / "checkout.yaml").read_text() == "precious"
    err = capsys.readouterr().err
    assert "checkout.yaml already exists" in err
    assert "--force" in err


def test_new_force_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("precious")
    assert main(["new", "x", "-o", str(target), "--force"]) == 0
    assert load_flow(target).flow.name == "x"


def test_new_refuses_a_missing_directory_or_a_directory(tmp_path: Path, capsys) -> None:
    assert main(["new", str(tmp_path / "nowhere" / "x.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["new", f"{tmp_path}/"]) == 2
    assert "names a directory" in capsys.readouterr().err
    assert main(["new", "x", "-o", str(tmp_path), "--force"]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["true", "42", "my: flow", "Ünïcode flow", 'a"b'])
def test_new_quotes_awkward_names(tmp_path: Path, name: str) -> None:
    target = tmp_path / "flow.yaml"
    assert main(["new", name, "-o", str(target)]) == 0
    result = load_flow(target)
    assert result.diagnostics == []
    assert result.flow.name == name


def test_help_reads_well_for_every_flow_command(capsys) -> None:
    for command in ("validate", "schema", "new"):
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: edaviz {command}")
        assert "examples:" in out or "use it in an editor:" in out
