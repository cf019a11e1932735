-- Uploaded scripts are versioned. Each upload is a new, immutable version; a campaign is
-- bound to the version it was created or last updated with (campaign_scripts), so a later
-- upload under the same name changes no campaign until its owner rebinds it. A script's
-- owner (the user who first uploaded it) is the only non-admin who may add versions.
CREATE TABLE scripts (
    name       text PRIMARY KEY,
    owner_id   bigint REFERENCES users (id) ON DELETE SET NULL, -- NULL: registered from the script directory
    created_at timestamptz NOT NULL
);

CREATE TABLE script_versions (
    name       text NOT NULL REFERENCES scripts (name) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version > 0),
    source     text NOT NULL,
    sha256     text NOT NULL,
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE campaign_scripts (
    campaign_id bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    name        text NOT NULL,
    version     integer NOT NULL,
    bound_by    text NOT NULL DEFAULT '',
    bound_at    timestamptz NOT NULL,
    FOREIGN KEY (name, version) REFERENCES script_versions (name, version)
);
