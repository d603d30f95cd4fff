"""End-to-end tests of a running Conveyor stack, from the outside, over HTTP only.

    BASE_URL=http://127.0.0.1:8000 python3 -m pytest tests.py     (make e2e)

Needs pytest and requests (Debian: python3-pytest python3-requests). The input pictures are made here
with a small PNG encoder; the results are read back with a small PNG decoder, so that the checks
compare real pixels without any imaging library.

Settings (environment): BASE_URL (default http://127.0.0.1:8000), TASK_TIMEOUT in seconds for one
task to finish (default 120).
"""

from __future__ import annotations

import base64
import os
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
import requests

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
TASK_TIMEOUT = float(os.environ.get("TASK_TIMEOUT", "120"))
HTTP_TIMEOUT = 30
POLL_INTERVAL = 0.2
PASSWORD = "correct-horse-battery-staple"


# --------------------------------------------------------------------------------------------------
# PNG: a minimal encoder (8-bit RGB or RGBA) and a decoder for what a server may send back
# (every colour type, bit depths 1 to 16, the five row filters; not interlaced).
# --------------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_ihdr(width: int, height: int, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    """Applies PNG row filter `kind` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth)."""
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out[i] = (x - predictor) & 0xFF
    return bytes(out)


def unfilter_row(kind: int, row: bytearray, prior: bytes, bpp: int) -> bytearray:
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        if kind == 0:
            break
        if kind == 1:
            row[i] = (row[i] + a) & 0xFF
        elif kind == 2:
            row[i] = (row[i] + b) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (a + b) // 2) & 0xFF
        elif kind == 4:
            row[i] = (row[i] + paeth(a, b, c)) & 0xFF
        else:
            raise ValueError(f"PNG: unknown row filter {kind}")
    return row


def encode_png(pixels: list[list[tuple[int, ...]]], filter_kind: int = 0) -> bytes:
    """Encodes rows of (r, g, b) or (r, g, b, a) 8-bit tuples; every row uses `filter_kind`."""
    height, width = len(pixels), len(pixels[0])
    channels = len(pixels[0][0])
    bpp = channels
    raw = bytearray()
    prior = bytes(width * bpp)
    for row in pixels:
        line = bytes(sample for pixel in row for sample in pixel)
        raw.append(filter_kind)
        raw += filter_row(filter_kind, line, prior, bpp)
        prior = line
    return (
        PNG_SIGNATURE
        + png_ihdr(width, height, 8, 6 if channels == 4 else 2)
        + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + png_chunk(b"IEND", b"")
    )


@dataclass
class Picture:
    width: int
    height: int
    colour_type: int
    has_alpha: bool
    pixels: list[list[tuple[int, int, int, int]]]  # rows of 8-bit (r, g, b, a)

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        return self.pixels[y][x][:3]


def decode_png(data: bytes) -> Picture:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("PNG: bad signature")
    pos, header, palette, trns, idat = 8, None, [], b"", bytearray()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [tuple(body[i : i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG: no IHDR")
    width, height, depth, colour_type, _, _, interlace = header
    if interlace:
        raise ValueError("PNG: interlaced images are not supported by this decoder")
    channels = CHANNELS[colour_type]
    bits_per_pixel = channels * depth
    bpp = max(1, bits_per_pixel // 8)
    stride = (width * bits_per_pixel + 7) // 8
    raw = zlib.decompress(bytes(idat))
    prior = bytes(stride)
    pixels = []
    for y in range(height):
        start = y * (stride + 1)
        line = unfilter_row(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), prior, bpp)
        prior = bytes(line)
        samples = read_samples(line, width * channels, depth)
        pixels.append(
            [
                to_rgba(samples[x * channels : (x + 1) * channels], colour_type, depth, palette, trns)
                for x in range(width)
            ]
        )
    has_alpha = colour_type in (4, 6) or bool(trns)
    return Picture(width, height, colour_type, has_alpha, pixels)


def read_samples(line: bytes, count: int, depth: int) -> list[int]:
    if depth == 8:
        return list(line[:count])
    if depth == 16:
        return [(line[2 * i] << 8) | line[2 * i + 1] for i in range(count)]
    per_byte, mask = 8 // depth, (1 << depth) - 1
    return [(line[i // per_byte] >> (8 - depth * (i % per_byte + 1))) & mask for i in range(count)]


def to_rgba(sample: list[int], colour_type: int, depth: int, palette: list, trns: bytes) -> tuple[int, int, int, int]:
    """One pixel as 8-bit RGBA; `trns` is the tRNS chunk (palette alphas, or a transparent grey/RGB)."""
    if colour_type == 3:
        r, g, b = palette[sample[0]]
        alpha = trns[sample[0]] if sample[0] < len(trns) else 255
        return (r, g, b, alpha)
    top = (1 << depth) - 1
    scaled = [round(s * 255 / top) for s in sample]
    keyed = (
        colour_type in (0, 2)
        and len(trns) == 2 * len(sample)
        and list(struct.unpack(f">{len(sample)}H", trns)) == sample
    )
    opaque = 0 if keyed else 255
    if colour_type == 0:
        return (scaled[0], scaled[0], scaled[0], opaque)
    if colour_type == 4:
        return (scaled[0], scaled[0], scaled[0], scaled[1])
    if colour_type == 2:
        return (scaled[0], scaled[1], scaled[2], opaque)
    return tuple(scaled)  # colour type 6


# The input: a red gradient left to right (so a mirror is visible), a green gradient top to bottom,
# and a blue checkerboard of 4x4 blocks at 100/150 (edges for Blur and Sharpen to act on).
WIDTH, HEIGHT = 40, 30


def input_pixels(alpha: bool = False) -> list[list[tuple[int, ...]]]:
    rows = []
    for y in range(HEIGHT):
        row = []
        for x in range(WIDTH):
            pixel = (x * 6, y * 8, 150 if (x // 4 + y // 4) % 2 else 100)
            row.append(pixel + ((x * 5 + y * 3) % 256,) if alpha else pixel)
        rows.append(row)
    return rows


INPUT = input_pixels()
INPUT_PNG = encode_png(INPUT, filter_kind=4)
INPUT_RGBA = input_pixels(alpha=True)
INPUT_RGBA_PNG = encode_png(INPUT_RGBA, filter_kind=1)


def corrupt_png() -> bytes:
    """A valid signature and IHDR, then an IDAT whose data is not a zlib stream."""
    return (
        PNG_SIGNATURE
        + png_ihdr(WIDTH, HEIGHT)
        + png_chunk(b"IDAT", b"this is not a zlib stream " * 8)
        + png_chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------------------------------
# The API client
# --------------------------------------------------------------------------------------------------


def url(path: str) -> str:
    return BASE_URL + path


def register(username: str) -> requests.Response:
    return requests.post(url("/register"), json={"username": username, "password": PASSWORD}, timeout=HTTP_TIMEOUT)


def login(username: str) -> str:
    response = requests.post(url("/login"), json={"username": username, "password": PASSWORD}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"] and body["expires_at"], body
    return body["token"]


def new_user() -> dict[str, str]:
    """Registers a fresh user, logs in, and returns the Authorization header."""
    username = f"e2e_{uuid.uuid4().hex[:12]}"
    response = register(username)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {login(username)}"}


def post_task(auth: dict[str, str], body: dict) -> requests.Response:
    return requests.post(url("/task"), json=body, headers=auth, timeout=HTTP_TIMEOUT)


def task_id_of(response: requests.Response) -> str:
    """The id from POST /task's answer, which must be 201 with a UUID."""
    assert response.status_code == 201, response.text
    task_id = response.json()["task_id"]
    uuid.UUID(task_id)
    return task_id


def submit(auth: dict[str, str], body: dict) -> str:
    return task_id_of(post_task(auth, body))


def wait_for(auth: dict[str, str], task_id: str, allowed: tuple[str, ...] = ("in_progress", "ready")) -> dict:
    """Polls /status until the task is no longer in progress; every status seen must be in `allowed`."""
    deadline = time.monotonic() + TASK_TIMEOUT
    while True:
        response = requests.get(url(f"/status/{task_id}"), headers=auth, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        status = response.json()
        assert status["task_id"] == task_id, status
        assert status["status"] in allowed, status
        if status["status"] != "in_progress":
            return status
        assert time.monotonic() < deadline, f"task {task_id} still in progress after {TASK_TIMEOUT} s: {status}"
        time.sleep(POLL_INTERVAL)


def get_result(auth: dict[str, str], task_id: str) -> dict:
    headers = {**auth, "Accept": "application/json"}
    response = requests.get(url(f"/result/{task_id}"), headers=headers, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "result" in body, body
    assert body.get("task_id", task_id) == task_id, body
    return body


def finished_result(auth: dict[str, str], task_id: str) -> Any:
    """The `result` of a task that must end `ready`: an object for code, a base64 PNG for an image."""
    status = wait_for(auth, task_id)
    assert status["status"] == "ready", status
    body = get_result(auth, task_id)
    assert body["status"] == "ready", body
    return body["result"]


# --------------------------------------------------------------------------------------------------
# Tasks: submitted together at the start, so that the workers run them side by side
# --------------------------------------------------------------------------------------------------

STDIN = "20 22\n"
C_PROGRAM = """#include <math.h>
#include <stdio.h>
int main(void) {
  int a, b;
  if (scanf("%d %d", &a, &b) != 2) return 3;
  printf("hello from %s\\n", NAME);
  printf("sum=%d sqrt=%.1f\\n", a + b, sqrt((double)(a + b) * (a + b)));
  return 0;
}
"""
CPP_PROGRAM = """#include <cmath>
#include <iomanip>
#include <iostream>
#include <string_view>
int main() {
  constexpr std::string_view name = NAME;
  static_assert(name.starts_with("clang") || name.starts_with("g++"));  // starts_with: C++20
  int a = 0, b = 0;
  if (!(std::cin >> a >> b)) return 3;
  std::cout << "hello from " << name << "\\n";
  std::cout << "sum=" << a + b << " sqrt=" << std::fixed << std::setprecision(1)
            << std::sqrt(double(a + b) * (a + b)) << "\\n";
}
"""
PYTHON_PROGRAM = """import math, sys
a, b = map(int, sys.stdin.readline().split())
print("hello from python3")
print(f"sum={a + b} sqrt={math.sqrt((a + b) ** 2):.1f}")
"""


def program(translator: str) -> str:
    if translator == "python3":
        return PYTHON_PROGRAM
    source = CPP_PROGRAM if translator.endswith("++") else C_PROGRAM
    return f'#define NAME "{translator}"\n' + source


TRANSLATORS = ["python3", "gcc", "clang", "g++", "clang++"]
FILTERS = {
    "Blur": {"sigma": 1.5},
    "Sharpen": {"sigma": 1.5},
    "Negative": {},
    "FlipX": {},
    "FlipY": {},
}


def image_task(name: str, png: bytes = INPUT_PNG) -> dict:
    return {"filter": {"name": name, "parameters": FILTERS[name]}, "image": base64.b64encode(png).decode()}


@pytest.fixture(scope="session")
def owner() -> dict[str, str]:
    return new_user()


class Submitted:
    """The answers to the tasks submitted at the start; each test checks its own, so one refusal fails one test."""

    def __init__(self, responses: dict[str, requests.Response]):
        self.responses = responses

    def __getitem__(self, name: str) -> str:
        return task_id_of(self.responses[name])


@pytest.fixture(scope="session")
def tasks(owner: dict[str, str]) -> Submitted:
    """Every task the tests below read, submitted at once so that the workers run them side by side."""
    bodies = {f"code:{t}": {"translator": t, "code": program(t), "stdin": STDIN} for t in TRANSLATORS}
    bodies.update({f"image:{name}": image_task(name) for name in FILTERS})
    bodies["image:Negative:rgba"] = image_task("Negative", INPUT_RGBA_PNG)
    bodies["code:compile_error"] = {"translator": "gcc", "code": "int main(void) { return undeclared; }\n"}
    bodies["image:corrupt"] = {"filter": {"name": "Negative"}, "image": base64.b64encode(corrupt_png()).decode()}
    return Submitted({name: post_task(owner, body) for name, body in bodies.items()})


# --------------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------------


def test_png_codec_round_trips_every_row_filter():
    for kind in range(5):
        for pixels in (INPUT, INPUT_RGBA):
            picture = decode_png(encode_png(pixels, filter_kind=kind))
            assert (picture.width, picture.height) == (WIDTH, HEIGHT)
            expected = [[p if len(p) == 4 else p + (255,) for p in row] for row in pixels]
            assert picture.pixels == expected, f"filter {kind}"


def test_registering_the_same_user_twice_answers_201_both_times():
    username = f"e2e_{uuid.uuid4().hex[:12]}"
    first, second = register(username), register(username)
    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert first.json()["username"] == username
    assert second.json()["id"] == first.json()["id"]
    login(username)


@pytest.mark.parametrize("translator", TRANSLATORS)
def test_code_task_runs_and_prints_the_expected_output(owner, tasks, translator):
    status = wait_for(owner, tasks[f"code:{translator}"])
    assert status["type"] == "code", status
    result = finished_result(owner, tasks[f"code:{translator}"])
    assert result["verdict"] == "ok", result
    assert result["exit_code"] == 0, result
    assert result["stdout"] == f"hello from {translator}\nsum=42 sqrt=42.0\n", result
    assert result["truncated"] is False, result
    if translator == "python3":
        assert result["compile"] is None, result
    else:
        assert result["compile"]["exit_code"] == 0, result


def test_languages_lists_every_translator_with_its_version_in_the_image(owner, tasks):
    # A code worker is up once its tasks ran; the API may have asked before its probe was done (then it
    # answers null versions and asks again 15 s later), so wait for the versions a while.
    for translator in TRANSLATORS:
        wait_for(owner, tasks[f"code:{translator}"])
    deadline = time.monotonic() + 40
    while True:
        response = requests.get(url("/languages"), timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["probed_at"] is not None or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert body["probed_at"] is not None, body
    entries = {entry["name"]: entry for entry in body["translators"]}
    assert set(TRANSLATORS) <= set(entries), body
    for entry in entries.values():
        assert isinstance(entry["version"], str) and entry["version"], entry
        assert entry["limits"]["time_ms"]["default"] <= entry["limits"]["time_ms"]["max"], entry
    assert entries["python3"]["version"].startswith("Python 3"), entries["python3"]
    assert entries["python3"]["limits"]["compile_time_ms"] is None, entries["python3"]


def test_compile_error_is_a_ready_task_with_the_compilers_message(owner, tasks):
    result = finished_result(owner, tasks["code:compile_error"])
    assert result["verdict"] == "compile_error", result
    assert "undeclared" in result["compile"]["stderr"], result


def test_result_answers_202_while_the_task_runs(owner):
    task_id = submit(owner, {"translator": "python3", "code": "import time\ntime.sleep(3)\nprint('late')\n"})
    response = requests.get(url(f"/result/{task_id}"), headers=owner, timeout=HTTP_TIMEOUT)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "in_progress" and body["result"] is None, body
    assert finished_result(owner, task_id)["stdout"] == "late\n"


def test_delete_cancels_a_running_task_for_its_owner_only(owner):
    task_id = submit(owner, {"translator": "python3", "code": "while True:\n    pass\n", "limits": {"time_ms": 10000}})
    stranger = new_user()
    response = requests.delete(url(f"/task/{task_id}"), headers=stranger, timeout=HTTP_TIMEOUT)
    assert response.status_code == 404, response.text
    time.sleep(1)
    started = time.monotonic()
    for _ in range(2):  # repeating it is harmless: the same answer
        response = requests.delete(url(f"/task/{task_id}"), headers=owner, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "failed", response.text
    assert wait_for(owner, task_id, allowed=("failed",))["status"] == "failed"
    assert time.monotonic() - started < 5, "ended at the cancel, not at its 10 s time limit"
    assert get_result(owner, task_id)["error"]["code"] == "cancelled"


def test_delete_of_a_finished_task_is_409(owner, tasks):
    task_id = tasks["code:python3"]
    wait_for(owner, task_id)
    response = requests.delete(url(f"/task/{task_id}"), headers=owner, timeout=HTTP_TIMEOUT)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "task_finished", response.text


def image_result(owner, tasks, key: str) -> Picture:
    status = wait_for(owner, tasks[key])
    assert status["type"] == "image", status
    result = finished_result(owner, tasks[key])
    assert isinstance(result, str), result
    picture = decode_png(base64.b64decode(result, validate=True))
    assert (picture.width, picture.height) == (WIDTH, HEIGHT)
    return picture


def test_negative_inverts_every_channel(owner, tasks):
    picture = image_result(owner, tasks, "image:Negative")
    for y in range(HEIGHT):
        for x in range(WIDTH):
            assert picture.rgb(x, y) == tuple(255 - c for c in INPUT[y][x]), (x, y)


def test_negative_keeps_the_alpha_channel(owner, tasks):
    picture = image_result(owner, tasks, "image:Negative:rgba")
    assert picture.has_alpha
    for y in range(HEIGHT):
        for x in range(WIDTH):
            r, g, b, a = INPUT_RGBA[y][x]
            assert picture.pixels[y][x] == (255 - r, 255 - g, 255 - b, a), (x, y)


def test_flipx_mirrors_left_and_right(owner, tasks):
    picture = image_result(owner, tasks, "image:FlipX")
    for y in range(HEIGHT):
        for x in range(WIDTH):
            assert picture.rgb(x, y) == INPUT[y][WIDTH - 1 - x], (x, y)


def test_flipy_mirrors_top_and_bottom(owner, tasks):
    picture = image_result(owner, tasks, "image:FlipY")
    for y in range(HEIGHT):
        for x in range(WIDTH):
            assert picture.rgb(x, y) == INPUT[HEIGHT - 1 - y][x], (x, y)


def blue_values(picture: Picture) -> set[int]:
    return {picture.rgb(x, y)[2] for y in range(HEIGHT) for x in range(WIDTH)}


def test_blur_softens_the_edges(owner, tasks):
    picture = image_result(owner, tasks, "image:Blur")
    # The checkerboard's edges take values between its two levels; nothing leaves that range.
    blues = blue_values(picture)
    assert any(100 < b < 150 for b in blues), sorted(blues)
    assert all(99 <= b <= 151 for b in blues), sorted(blues)
    # A blurred linear gradient stays that gradient away from the borders.
    assert abs(picture.rgb(20, 15)[0] - INPUT[15][20][0]) <= 2
    assert abs(picture.rgb(20, 15)[1] - INPUT[15][20][1]) <= 2


def test_sharpen_overshoots_at_the_edges(owner, tasks):
    picture = image_result(owner, tasks, "image:Sharpen")
    blues = blue_values(picture)
    assert any(b > 150 for b in blues) and any(b < 100 for b in blues), sorted(blues)
    assert abs(picture.rgb(20, 15)[0] - INPUT[15][20][0]) <= 2


def test_image_result_is_served_as_png_on_request(owner, tasks):
    task_id = tasks["image:Negative"]
    as_json = decode_png(base64.b64decode(finished_result(owner, task_id)))
    response = requests.get(url(f"/result/{task_id}"), params={"format": "png"}, headers=owner, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text[:200]
    assert response.headers["Content-Type"].split(";")[0].strip() == "image/png"
    assert decode_png(response.content).pixels == as_json.pixels


def test_corrupt_png_makes_a_failed_task_with_an_error(owner, tasks):
    task_id = tasks["image:corrupt"]
    status = wait_for(owner, task_id, allowed=("in_progress", "failed"))
    assert status["status"] == "failed", status
    body = get_result(owner, task_id)
    assert body["status"] == "failed" and body["result"] is None, body
    assert body["error"]["code"] and body["error"]["message"], body


def test_requests_without_a_token_are_401():
    unknown = uuid.uuid4()
    for response in (
        requests.post(url("/task"), timeout=HTTP_TIMEOUT),
        requests.post(url("/task"), json={"translator": "cobol"}, timeout=HTTP_TIMEOUT),
        requests.get(url(f"/status/{unknown}"), timeout=HTTP_TIMEOUT),
        requests.get(url(f"/result/{unknown}"), timeout=HTTP_TIMEOUT),
        requests.get(url(f"/status/{unknown}"), headers={"Authorization": "Bearer not-a-token"}, timeout=HTTP_TIMEOUT),
    ):
        assert response.status_code == 401, (response.request.method, response.request.url, response.text)
        assert "bearer" in response.headers.get("WWW-Authenticate", "").lower()


def test_unknown_ids_are_404(owner):
    for task_id in (str(uuid.uuid4()), "not-a-task-id"):
        for path in (f"/status/{task_id}", f"/result/{task_id}"):
            response = requests.get(url(path), headers=owner, timeout=HTTP_TIMEOUT)
            assert response.status_code == 404, (path, response.text)


def test_another_users_task_is_404(owner, tasks):
    stranger = new_user()
    task_id = tasks["code:python3"]
    for path in (f"/status/{task_id}", f"/result/{task_id}"):
        response = requests.get(url(path), headers=stranger, timeout=HTTP_TIMEOUT)
        assert response.status_code == 404, (path, response.text)


INPUT_BASE64 = base64.b64encode(INPUT_PNG).decode()
NOT_A_PNG_BASE64 = base64.b64encode(b"GIF89a not a png at all " * 4).decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"translator": "cobol", "code": "DISPLAY 'HI'."}, "translator"),
        ({"filter": {"name": "Posterize"}, "image": INPUT_BASE64}, "filter"),
        ({"filter": {"name": "Blur", "parameters": {"sigma": -1}}, "image": INPUT_BASE64}, "sigma"),
        ({"filter": {"name": "Negative"}, "image": NOT_A_PNG_BASE64}, "image"),
    ],
    ids=["unknown-translator", "unknown-filter", "negative-sigma", "not-a-png"],
)
def test_bad_input_is_400_naming_the_field(owner, body, field):
    response = post_task(owner, body)
    assert response.status_code == 400, response.text
    assert field in response.text, response.text
