-- The harness's own check: raw and cleaned text, a number read from text
-- under another key, booleans, instants, NULLs, a list, and the events.
SELECT
  l.id,
  l.title AS raw,
  lower(trim(l.title)) AS t,
  l.employees AS n,
  l.newsletter AS b,
  l.signed_up AS d,
  l.seniority AS s,
  l.products AS p,
  (SELECT count(*) FROM events e WHERE e.lead_id = l.id) AS n_events,
  (SELECT max(e.at) FROM events e WHERE e.lead_id = l.id) AS last_at
FROM leads l
ORDER BY l.id;
