-- Up Migration
-- Until now an email counted as verified on claims the user can write themselves (Supabase
-- user_metadata, the string "true"), and a new sign-in subject was linked to the account with that
-- email. Those flags and links cannot be told apart from honest ones, so none is trusted: every
-- flag is recomputed from the token's proof on its subject's next request (api/auth.ts), and links
-- are made again only on that proof. The price: a person whose second sign-in method was linked
-- must sign in with the first one once more before using the second, or the second gets an account
-- of its own; a leaked account could not be repaired, a split one can.
UPDATE users SET email_verified = false WHERE email_verified;
DELETE FROM user_identities;

-- Down Migration
-- Nothing to undo: the flags come back from tokens on their own.
