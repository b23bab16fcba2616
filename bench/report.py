#!/usr/bin/env python3
"""Writes bench/RESULTS.md from the figures files Bench.java leaves in bench/work (one per label).

Usage: report.py WORK_DIR RESULTS_MD [label ...]   (default columns: before, after, current)"""
import os
import statistics
import sys

work, out = sys.argv[1], sys.argv[2]

# name: (what, unit, target text, higher is better, floor figure to compare with)
FIGURES = [
    ("intake_rps", "1. intake at saturation (16 connections), events/s", "≥ 5,000", True, "floor_http_rps"),
    ("intake_rps", "1. the same against the durable-write floor (pgbench, 1 client)", "", True, "floor_pg_tps_c1"),
    ("intake_rps", "1. the same against the durable-write floor (pgbench, 8 clients)", "", True, "floor_pg_tps_c8"),
    ("intake_p50_ms", "1. intake at saturation, ack p50 ms", "", False, None),
    ("intake_p99_ms", "1. intake at saturation, ack p99 ms", "", False, "floor_http_p99_ms"),
    ("intake_cpu_service_us", "1. CPU per event at saturation: the service, µs", "", False, None),
    ("intake_cpu_pg_us", "1. CPU per event at saturation: PostgreSQL, µs", "", False, None),
    ("fixed_rate_achieved", "1. fixed 1,000 events/s: rate achieved", "1,000", True, None),
    ("fixed_p50_ms", "1. fixed 1,000 events/s: ack p50 ms (open loop)", "", False, None),
    ("fixed_p99_ms", "1. fixed 1,000 events/s: ack p99 ms (open loop)", "< 25", False, "floor_fixed_p99_ms"),
    ("answered_200", "1. events answered 200 (all runs)", "", True, None),
    ("stored_jobs", "1. of them committed as jobs", "= answered", True, None),
    ("lost", "1. lost (answered 200, not in PostgreSQL)", "0", False, None),
    ("delivery_intake_rps", "2. intake at saturation with the worker on (16 connections), events/s", "", True, None),
    ("delivery_replies_per_s", "2. replies reaching the stub portal per s (first to last reply: intake, then the drain)", "≥ 3,000", True, None),
    ("delivery_drain_s", "2. backlog drained, s after the intake stopped", "", False, None),
    ("delivery_backlog_end", "2. backlog left at the end (bot-event jobs queued or running)", "0 (drained)", False, None),
    ("delivery_missing", "2. events without a reply at the stub", "0", False, None),
    ("delivery_cpu_service_us", "2. CPU per event at saturation (intake and reply): the service, µs", "", False, None),
    ("delivery_cpu_pg_us", "2. CPU per event at saturation: PostgreSQL, µs", "", False, None),
    ("delivery_cpu_total_us", "2. CPU per event at saturation: the service and PostgreSQL together, µs", "≈ 300", False, "php_cpu_us"),
    ("delivery_cpu_stub_us", "2. CPU per event at saturation: the stub portal (nginx), µs", "", False, None),
    ("delivery_replies_per_s", "2. the same against the PHP peer in this run (replies/s)", "≥ the peer", True, "php_replies_per_s"),
    ("php_rps", "PHP peer: v1 events answered per s at saturation (php-fpm, 8 workers, behind nginx; 16 connections)", "", True, None),
    ("php_replies_per_s", "PHP peer: replies reaching the stub portal per s", "", True, None),
    ("php_missing", "PHP peer: events answered without a reply at the stub", "", False, None),
    ("php_cpu_us", "PHP peer: CPU per event, php-fpm and its nginx, µs (stores nothing)", "", False, None),
    ("php_cpu_stub_us", "PHP peer: CPU per event, the stub portal (nginx), µs", "", False, None),
    ("delivery_fixed_achieved", "2. fixed 1,000 events/s with the worker on: rate achieved", "1,000", True, None),
    ("delivery_fixed_p50_ms", "2. fixed 1,000 events/s: reply p50 ms (event due → reply at the stub)", "", False, None),
    ("delivery_fixed_p99_ms", "2. fixed 1,000 events/s: reply p99 ms (event due → reply at the stub)", "< 25", False, None),
    ("delivery_fixed_p99_all_ms", "2. fixed 1,000 events/s: reply p99 ms over all runs' timed replies together", "< 25", False, None),
    ("busy_replies_per_s", "3. one portal, 20 messages/s, Bitrix24's 2 calls/s burst 50: replies/s reaching it (after the first third)", "20", True, None),
    ("busy_calls_per_s", "3. calls/s made to that portal (after the first third)", "≤ 2", False, None),
    ("busy_limit_exceeded", "3. QUERY_LIMIT_EXCEEDED answers to the service", "", False, None),
    ("busy_in_order", "3. every dialog's replies in order, none twice", "yes", True, None),
    ("busy_backlog_end", "3. events queued for that portal at the end of the load", "", False, None),
    ("claim_ms_100", "4. one claim, 100 jobs queued (100 portals), ms", "", False, None),
    ("claim_ms_100000", "4. one claim, 100,000 jobs queued (100 portals), ms", "≈ the 100 figure", False, None),
    ("fleet_idle_polls_per_s", "5. fetch polling: imbot.v2.Event.get calls/s for the other portals' idle fetch-mode bots (one each)", "small, reported", False, None),
    ("startup_s", "6. start-up to ready, s (second start, migrated database)", "< 1.5", False, None),
    ("rss_mb", "6. RSS high-water mark after saturation, MB", "< 200", False, None),
    ("rss_file_mb", "6. of the RSS after saturation, pages of files (class-data archive, JDK modules, jars), MB", "", False, None),
    ("tokens_new_per_s", "7. new tokens: events/s answered 200 at saturation when each carries a token never seen (one app.info each)", "reported", True, None),
    ("tokens_app_info_per_event", "7. app.info calls per such event", "1", False, None),
    ("tokens_new_p99_ms", "7. such events, ack p99 ms", "", False, None),
    ("tokens_cpu_service_us", "7. such events, the service's CPU per event, µs", "", False, None),
    ("tokens_cached_alone_p99_ms", "7. events with cached proofs at a fixed 500/s alone: ack p99 ms", "", False, None),
    ("tokens_cached_flood_p99_ms", "7. the same beside the new-token load at saturation: ack p99 ms", "≈ alone", False, "tokens_cached_alone_p99_ms"),
    ("tokens_cached_flood_achieved", "7. the same: rate achieved", "500", True, None),
    ("tokens_new_beside_per_s", "7. new-token events/s answered 200 meanwhile", "", True, None),
    ("overload_acked", "8. overload: events answered 200 while sent open-loop past capacity (bench.overload-rate, 15 s)", "", True, None),
    ("overload_busy", "8. the same: refused 503 busy (the replica's intake memory taken)", "", False, None),
    ("overload_other_errors", "8. the same: other failures (client side, timeouts)", "", False, None),
    ("overload_missing", "8. acknowledged events without a reply", "0", False, None),
    ("overload_extra_replies", "8. replies beyond one per acknowledged event", "0", False, None),
    ("overload_out_of_memory", "8. the service ran out of heap or exited (1 = yes)", "0", False, None),
    ("overload_rss_mb", "8. RSS after the overload, MB", "", False, None),
    ("floor_http_rps", "floor: same endpoint, same 3.3 KB body, event ignored (HTTP stack + form parsing), req/s", "", True, None),
    ("floor_http_p99_ms", "floor: same, p99 ms", "", False, None),
    ("floor_fixed_p99_ms", "floor: the same event ignored at a fixed 1,000/s, ack p99 ms (open loop, same client)", "", False, None),
    ("floor_pg_tps_c1", "floor: pgbench single-row 1.5 KB inserts, 1 client, tps", "", True, None),
    ("floor_pg_tps_c8", "floor: pgbench single-row 1.5 KB inserts, 8 clients, tps", "", True, None),
]


def load(label):
    path = os.path.join(work, "figures-%s.txt" % label)
    if not os.path.exists(path):
        return None
    figures, notes, machine = {}, [], ""
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("# machine: "):
            machine = line[len("# machine: "):]
        elif line.startswith("# note: "):
            notes.append(line[len("# note: "):])
        elif line.strip():
            name, *values = line.split()
            figures[name] = [float(v) for v in values]
    return {"figures": figures, "notes": notes, "machine": machine}


def fmt(v):
    return "{:,.0f}".format(v) if abs(v) >= 100 else "{:.2f}".format(v)


def cell(values):
    if not values:
        return "–"
    if len(values) == 1:
        return fmt(values[0])
    return "%s (%s–%s)" % (fmt(statistics.median(values)), fmt(min(values)), fmt(max(values)))


# Columns, in order: the labels given after the two paths, else these.
labels = [l for l in (sys.argv[3:] or ["before", "after", "current"]) if load(l)]
runs = {l: load(l) for l in labels}
lines = ["# Event path benchmark results", "",
         "Written by `bench/run` (docs/BENCHMARK.md). "
         "Each cell: median (min–max) over the runs of one `bench/run`; every run measures the floors beside the figures, "
         "on the same machine at the same time, because two cores are shared by the load generator, PostgreSQL and the service.", ""]
for l in labels:
    lines.append("- **%s**: %s" % (l, runs[l]["machine"]))
lines.append("")
header = "| figure | target | " + " | ".join(labels) + " | " + " | ".join("%s vs floor" % l for l in labels) + " |"
lines += [header, "|" + "---|" * (2 + 2 * len(labels))]
for name, what, target, higher, floor in FIGURES:
    row = ["| " + what, target]
    for l in labels:
        values = runs[l]["figures"].get(name, [])
        if " the same against " in what:
            row.append("")
        elif name.endswith("_in_order") and values:
            row.append("yes" if min(values) == 1 else "no (%d of %d runs)" % (values.count(0), len(values)))
        else:
            row.append(cell(values))
    for l in labels:
        f = runs[l]["figures"]
        if floor and f.get(name) and f.get(floor):
            ratio = statistics.median(f[name]) / statistics.median(f[floor])
            against = "the PHP peer" if floor.startswith("php_") else "floor"
            row.append("%.0f%% of %s" % (ratio * 100, against) if higher else "%.1f× %s" % (ratio, against))
        else:
            row.append("")
    lines.append(" | ".join(row) + " |")
for l in labels:
    if runs[l]["notes"]:
        lines += ["", "Notes of the %s run:" % l, ""] + ["- " + n for n in runs[l]["notes"]]
extra = os.path.join(os.path.dirname(out), "RESULTS-analysis.md")
if os.path.exists(extra):
    lines += ["", open(extra).read().rstrip()]
open(out, "w").write("\n".join(lines) + "\n")
