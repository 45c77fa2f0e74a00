//! Reviewers of the web app and their sign-in tokens. A token is shown once, when it is made;
//! the workspace keeps only its BLAKE3 hash (a random 256-bit token needs no slow hash).

use crate::decisions::check_reviewer;
use crate::error::{Result, StoreError};
use crate::workspace::Workspace;
use rusqlite::OptionalExtension;

fn token_hash(token: &str) -> String {
    blake3::hash(token.trim().as_bytes()).to_hex().to_string()
}

impl Workspace {
    /// Makes (or replaces) a reviewer's token and returns it; only its hash is stored.
    pub fn add_reviewer(&self, name: &str) -> Result<String> {
        check_reviewer(name)?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.conn.execute(
            "INSERT INTO reviewer (name, token_hash, created_at)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             ON CONFLICT(name) DO UPDATE SET token_hash = excluded.token_hash,
               created_at = excluded.created_at",
            (name, token_hash(&token)),
        )?;
        self.log("reviewer add", name)?;
        Ok(token)
    }

    /// The reviewer a token belongs to.
    pub fn reviewer_for_token(&self, token: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM reviewer WHERE token_hash = ?1",
                [token_hash(token)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Reviewers with a token, and when it was made.
    pub fn web_reviewers(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, created_at FROM reviewer ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Takes a reviewer's token away (their decisions stay). Returns whether there was one.
    pub fn remove_reviewer(&self, name: &str) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM reviewer WHERE name = ?1", [name])?;
        if n > 0 {
            self.log("reviewer remove", name)?;
        }
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::workspace::{Config, Workspace};

    #[test]
    fn a_token_signs_its_reviewer_in_and_is_kept_only_as_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::init(dir.path(), Config::default()).unwrap();
        let token = ws.add_reviewer("alice").unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(
            ws.reviewer_for_token(&token).unwrap().as_deref(),
            Some("alice")
        );
        assert_eq!(ws.reviewer_for_token("guess").unwrap(), None);
        let stored: String = ws
            .conn
            .query_row("SELECT token_hash FROM reviewer", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, token);
        // A new token replaces the old one.
        let again = ws.add_reviewer("alice").unwrap();
        assert_eq!(ws.reviewer_for_token(&token).unwrap(), None);
        assert_eq!(
            ws.reviewer_for_token(&again).unwrap().as_deref(),
            Some("alice")
        );
        assert!(ws.add_reviewer("../x").is_err());
        assert!(ws.remove_reviewer("alice").unwrap());
        assert_eq!(ws.reviewer_for_token(&again).unwrap(), None);
    }
}
