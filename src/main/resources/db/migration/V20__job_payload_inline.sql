-- A bot event's payload (its data as JSON, a few KB) passed the 2 KB at which PostgreSQL compresses a
-- row's long values with pglz: every job insert paid for compressing it, and every claim for
-- decompressing it, to save a little space in rows that live for milliseconds. Rows now stay as they
-- are up to a page (8160 bytes); larger payloads are still compressed and moved out of line.
alter table job set (toast_tuple_target = 8160);
