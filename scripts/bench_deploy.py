#!/usr/bin/env python3
"""Times `pamphlet deploy` against a throwaway Azurite, beside the peers that upload the same folder.

    scripts/bench_deploy.py target/bench/posts-1000/public              # a built site's public/
    scripts/bench_deploy.py <public> --bin target/release/pamphlet --repeat 5

A first deploy uploads every file; a no-change redeploy (median of --repeat) should upload none.
Both are set against `az storage blob upload-batch` (the Azure CLI, which has no change detection:
its redeploy is `--overwrite`, uploading everything again, each timed once), against a minimal
client that PUTs every file raw over 8 persistent connections (Azurite's own limit: no deploy
tool can upload faster), and against one listing of the deployed container (median of --repeat):
a redeploy that checks the container cannot be faster than Azurite lists it. Azurite is the
repository's scripts/azurite, on a free port and in a temporary folder, stopped at the end; the
file system is synced before every timed step.
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / "target" / "release" / "pamphlet"
AZURITE = REPO / "scripts" / "azurite"

HOST = "127.0.0.1"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
VERSION = "2021-08-06"
# Ports not to take: the default one of scripts/azurite, which a test run may be using.
TAKEN = {10000}
# The marker `pamphlet build` leaves at the top of its output; deploy publishes it nowhere.
MARKER = ".pamphlet-output"
THREADS = 8
AZ_CONTAINER = "azcli"

# The standard headers of SharedKey's string to sign, in order.
SIGNED_HEADERS = ["content-encoding", "content-language", "content-length", "content-md5",
                  "content-type", "date", "if-modified-since", "if-match", "if-none-match",
                  "if-unmodified-since", "range"]

SITE_TOML = """title = "Bench"
base_url = "https://bench.example"

[deploy]
account = "devstoreaccount1"
container = "pamphlet"
endpoint = "{endpoint}"
"""

SUMMARY = re.compile(r"Deployed to \S+: (\d+) uploaded \(([^)]*)\), (\d+) unchanged, (\d+) deleted")


def endpoint(port):
    return f"http://{HOST}:{port}/{ACCOUNT}"


# A minimal Blob Storage client, signed with the account key (SharedKey).

def signature(method, path, query, headers):
    """The Authorization header for a request to `path` (URL-encoded, from the account on)."""
    fields = [headers.get(name, "") for name in SIGNED_HEADERS]
    if fields[2] == "0":
        fields[2] = ""
    ms = "".join(f"{k}:{v.strip()}\n" for k, v in sorted(headers.items()) if k.startswith("x-ms-"))
    # Path-style URLs: the account is named once by the path and once more by the scheme.
    resource = f"/{ACCOUNT}{path}" + "".join(f"\n{k}:{v}" for k, v in sorted(query.items()))
    to_sign = method + "\n" + "".join(f + "\n" for f in fields) + ms + resource
    digest = hmac.new(base64.b64decode(KEY), to_sign.encode(), hashlib.sha256).digest()
    return f"SharedKey {ACCOUNT}:{base64.b64encode(digest).decode()}"


def request(conn, method, container, blob=None, query=None, body=b"", headers=None):
    """Sends one signed request on `conn`: (status, response body)."""
    query = query or {}
    path = f"/{ACCOUNT}/{container}" + (f"/{urllib.parse.quote(blob)}" if blob else "")
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    headers.update({"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": VERSION,
                    "content-length": str(len(body))})
    headers["authorization"] = signature(method, path, query, headers)
    url = path + ("?" + urllib.parse.urlencode(sorted(query.items())) if query else "")
    conn.request(method, url, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def create_container(port, name):
    """Creates container `name`; exits if Azurite refuses, with a word on signing for a 403."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, body = request(conn, "PUT", name, query={"restype": "container"})
    finally:
        conn.close()
    if status == 403:
        sys.exit(f"Azurite refused the signature creating container {name} (403): the SharedKey "
                 f"signing in {Path(__file__).name} is wrong:\n{body.decode(errors='replace')}")
    if status != 201:
        sys.exit(f"creating container {name}: HTTP {status}\n{body.decode(errors='replace')}")


def list_blobs(port, container):
    """The number of blobs in `container`, every page of the listing followed."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    count, marker = 0, None
    try:
        while True:
            query = {"restype": "container", "comp": "list", "maxresults": "5000"}
            if marker:
                query["marker"] = marker
            status, body = request(conn, "GET", container, query=query)
            if status != 200:
                sys.exit(f"listing {container}: HTTP {status}\n{body.decode(errors='replace')}")
            root = ET.fromstring(body)
            count += len(root.findall("./Blobs/Blob"))
            marker = root.findtext("NextMarker")
            if not marker:
                return count
    finally:
        conn.close()


def put_all(port, container, files):
    """PUTs every (name, path) as a block blob, raw, over THREADS persistent connections."""
    local, conns, lock = threading.local(), [], threading.Lock()

    def put(item):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(HOST, port, timeout=60)
            with lock:
                conns.append(local.conn)
        name, path = item
        status, body = request(local.conn, "PUT", container, name, body=path.read_bytes(),
                               headers={"x-ms-blob-type": "BlockBlob"})
        if status != 201:
            raise RuntimeError(f"PUT {name}: HTTP {status}\n{body.decode(errors='replace')}")

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(put, files))
    finally:
        for conn in conns:
            conn.close()


# Azurite, the site and the commands timed.

def free_port():
    """A port nothing listens on now, other than TAKEN."""
    while True:
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port not in TAKEN:
            return port


def azurite(command, env):
    proc = subprocess.run([str(AZURITE), command], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"scripts/azurite {command} failed:\n{proc.stdout}{proc.stderr}")


def site_files(public_dir):
    """Every file pamphlet deploy publishes from `public_dir`: (blob name, path), sorted."""
    files = [(p.relative_to(public_dir).as_posix(), p) for p in public_dir.rglob("*") if p.is_file()]
    return sorted((name, p) for name, p in files if name != MARKER)


def clean_env(**extra):
    """This process's environment without any AZURE_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    env.update(extra)
    return env


def timed(args, env):
    """Runs a command after syncing the file system: (seconds, its standard output)."""
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        code = subprocess.run(args, env=env, stdout=out, stderr=err).returncode
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code != 0:
        sys.exit(f"{' '.join(map(str, args))} failed ({code}):\n{stdout}{stderr}")
    return elapsed, stdout


def pamphlet_deploy(args, env, uploaded, unchanged):
    """One timed deploy, checked by its summary line: (seconds, that line)."""
    seconds, stdout = timed(args, env)
    lines = stdout.strip().splitlines()
    match = SUMMARY.search(lines[-1]) if lines else None
    if not match or (int(match.group(1)), int(match.group(3))) != (uploaded, unchanged):
        sys.exit(f"pamphlet deploy should have uploaded {uploaded} files and found {unchanged} "
                 f"unchanged; it printed:\n{stdout}")
    return seconds, lines[-1]


def median_seconds(repeat, measure):
    return statistics.median(measure() for _ in range(repeat))


def timed_call(measure):
    os.sync()
    started = time.perf_counter()
    result = measure()
    return time.perf_counter() - started, result


def pamphlet_figures(site, public_dir, files, bin_path, port, repeat):
    (site / "site.toml").write_text(SITE_TOML.format(endpoint=endpoint(port)))
    args = [str(bin_path), "--root", str(site), "deploy", "--output", str(public_dir)]
    env = clean_env(AZURE_STORAGE_KEY=KEY)
    first, summary = pamphlet_deploy(args, env, len(files), 0)
    redeploy = median_seconds(repeat, lambda: pamphlet_deploy(args, env, 0, len(files))[0])
    listings = [timed_call(lambda: list_blobs(port, "pamphlet")) for _ in range(repeat)]
    return {"pamphlet_first": first, "pamphlet_summary": summary, "pamphlet_redeploy": redeploy,
            "listing": statistics.median(s for s, _ in listings), "listed": listings[0][1]}


def simple_figures(port, files):
    create_container(port, "simple")
    seconds, _ = timed_call(lambda: put_all(port, "simple", files))
    listed = list_blobs(port, "simple")
    if listed != len(files):
        sys.exit(f"the simple client uploaded {len(files)} files but Azurite lists {listed}")
    return {"simple_first": seconds}


def az_figures(public_dir, port):
    if not shutil.which("az"):
        return {"az_first": None, "az_redeploy": None, "az_listed": None}
    # Container names take 3 to 63 characters: "az" is one short.
    create_container(port, AZ_CONTAINER)
    connection = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
                  f"BlobEndpoint={endpoint(port)};")
    args = ["az", "storage", "blob", "upload-batch", "-d", AZ_CONTAINER, "-s", str(public_dir),
            "--connection-string", connection, "--max-connections", str(THREADS), "-o", "none",
            "--only-show-errors"]
    env = clean_env(AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_NO_COLOR="true")
    first, _ = timed(args, env)
    redeploy, _ = timed(args + ["--overwrite"], env)
    return {"az_first": first, "az_redeploy": redeploy, "az_listed": list_blobs(port, AZ_CONTAINER)}


def deploy_figures(public_dir: Path, bin_path: Path, repeat: int) -> dict:
    """Every deploy figure for the built site in `public_dir`, against a throwaway Azurite."""
    public_dir = Path(public_dir).resolve()
    files = site_files(public_dir)
    if not files:
        sys.exit(f"{public_dir} holds no files to deploy")
    port = free_port()
    azurite_dir = tempfile.mkdtemp(prefix="bench-azurite-")
    env = {**os.environ, "AZURITE_PORT": str(port), "AZURITE_DIR": azurite_dir}
    azurite("start", env)
    try:
        # The signing is checked here, before anything is timed.
        create_container(port, "pamphlet")
        figures = {"site": str(public_dir), "files": len(files), "repeat": repeat,
                   "bytes": sum(p.stat().st_size for _, p in files)}
        with tempfile.TemporaryDirectory(prefix="bench-deploy-") as site:
            figures.update(pamphlet_figures(Path(site), public_dir, files, bin_path, port, repeat))
        figures.update(simple_figures(port, files))
        figures.update(az_figures(public_dir, port))
        return figures
    finally:
        azurite("stop", env)
        shutil.rmtree(azurite_dir, ignore_errors=True)


def cell(value, width, spec=".2f"):
    return f"{'–' if value is None else format(value, spec):>{width}}"


def print_deploy_rows(figures: dict):
    f = figures
    print(f"\npamphlet deploy to Azurite (local, in memory), {f['files']} files "
          f"({f['bytes'] / 2**20:.1f} MiB) from {f['site']}; redeploys and listing: median of "
          f"{f['repeat']} runs; az and the simple client: one run each")
    print(f"  {'':<20}{'pamphlet s':>11}{'az upload-batch s':>19}{'pamphlet/az':>13}"
          f"{'simple client s':>17}")
    for name, ours, theirs, simple in (
            ("first deploy", f["pamphlet_first"], f["az_first"], f["simple_first"]),
            ("no-change redeploy", f["pamphlet_redeploy"], f["az_redeploy"], None)):
        ratio = ours / theirs if theirs else None
        simple_cell = cell(simple, 17) if name == "first deploy" else f"{'n/a':>17}"
        print(f"  {name:<20}{cell(ours, 11)}{cell(theirs, 19)}{cell(ratio, 13)}{simple_cell}")
    print(f"  pamphlet: {f['pamphlet_summary']}")
    print(f"  Azurite lists {f['listed']} blobs in {f['listing']:.3f} s: a no-change redeploy that "
          "checks the container cannot be faster")
    print(f"  simple client: {f['files']} raw PUTs ({f['bytes'] / 2**20:.1f} MiB), {THREADS} threads "
          "with one connection each: Azurite's own limit")
    if f["az_first"] is None:
        print("  az upload-batch: not timed (az is not on the PATH)")
    else:
        print(f"  az upload-batch: --max-connections {THREADS}; its redeploy is --overwrite, "
              f"uploading everything again (no change detection); Azurite lists {f['az_listed']} "
              "blobs after it")
    print("  az storage blob sync: not timed (it needs azcopy, which az downloads from the internet)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("public_dir", type=Path)
    parser.add_argument("--bin", type=Path, default=BIN)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.bin.exists():
        sys.exit(f"{args.bin} does not exist; build it (cargo build --release) or pass --bin")
    print_deploy_rows(deploy_figures(args.public_dir, args.bin, args.repeat))


if __name__ == "__main__":
    main()
