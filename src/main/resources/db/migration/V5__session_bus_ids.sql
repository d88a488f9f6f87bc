-- A session's id on the event bus: derived from the SHA-256 of its token (which is never sent there), so that a
-- service acting for a user can name the session and sign a request with the token's hash as the key, and a node
-- can find the session and check the signature (io.enginel.domain.BusSignatures). A request captured on the bus
-- gives nobody the token or its hash. Set by the server when it records a session; sessions before this get theirs
-- here.
ALTER TABLE sessions ADD COLUMN bus_id text;
UPDATE sessions SET bus_id = encode(sha256(convert_to('enginel-bus:' || token_hash, 'UTF8')), 'hex');
CREATE UNIQUE INDEX sessions_bus_id ON sessions (bus_id);
