-- A database with the types and objects a restore must get exactly right.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA app;
CREATE SEQUENCE app.invoice_seq START 1000;
CREATE TABLE app.customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  note text,
  balance numeric(20, 6),
  tags text[],
  profile jsonb,
  avatar bytea,
  created timestamptz NOT NULL DEFAULT now(),
  birthday date,
  ratio double precision,
  active boolean
);
CREATE TABLE app.invoices (
  id integer PRIMARY KEY DEFAULT nextval('app.invoice_seq'),
  customer_id bigint REFERENCES app.customers(id),
  amount numeric(12, 2),
  issued timestamp with time zone,
  secret bytea
);
CREATE TABLE app.audit (id serial PRIMARY KEY, what text, at timestamptz DEFAULT now());
CREATE VIEW app.big_spenders AS SELECT c.name, sum(i.amount) AS total FROM app.customers c JOIN app.invoices i ON i.customer_id = c.id GROUP BY c.name;
CREATE FUNCTION app.log_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO app.audit(what, at) VALUES ('invoice ' || NEW.id, '2026-01-01T00:00:00Z');
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_audit AFTER INSERT ON app.invoices FOR EACH ROW EXECUTE FUNCTION app.log_invoice();

INSERT INTO app.customers (name, note, balance, tags, profile, avatar, created, birthday, ratio, active)
SELECT 'customer ' || g,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'naïve café ☕ ' || g || E' with\ttab and \\ backslash and ''quote'' and \\000 escaped NUL' END,
       (g * 12345.678901)::numeric(20, 6),
       ARRAY['t' || g, 'ünïcode', NULL],
       jsonb_build_object('n', g, 'nested', jsonb_build_object('ok', g % 2 = 0), 'list', jsonb_build_array(1, 'two', NULL)),
       decode(md5(g::text) || '00ff00', 'hex'),
       timestamptz '2024-03-10 01:30:00 America/New_York' + g * interval '37 minutes',
       date '1970-01-01' + g,
       g / 7.0,
       g % 3 = 0
FROM generate_series(1, 2000) g;
INSERT INTO app.invoices (customer_id, amount, issued, secret)
SELECT 1 + (g % 2000), (g * 3.14)::numeric(12, 2), timestamptz '2026-10-25 01:30:00+02' + g * interval '1 hour', pgp_sym_encrypt('secret ' || g, 'k')
FROM generate_series(1, 3000) g;
SELECT lo_from_bytea(0, decode(repeat('deadbeef', 1000), 'hex'));
