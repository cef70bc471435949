//! Writing the journal to a file, as the tokio runtime does (the format and line encoding
//! are the core's; see `docs/journal.md`). Writes are small and synchronous.
//!
//! Durability policy: every line is written with one `write` call and followed by
//! `fdatasync`, so an event is on disk before the engine acts on the next one. A crash can at
//! worst tear the last line, which replay ignores.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ostinato_core::{JournalEntry, JournalHeader, journal_line};

/// An open journal file.
#[derive(Debug)]
pub struct Journal {
    file: File,
}

impl Journal {
    /// Start a new journal (an existing file is replaced) with its header.
    ///
    /// # Errors
    /// When the file cannot be created or written.
    pub fn create(path: &Path, header: &JournalHeader) -> io::Result<Journal> {
        let mut j = Journal { file: File::create(path)? };
        j.line(header)?;
        Ok(j)
    }

    /// Rewrite a journal from its parsed content (dropping a torn last line), then keep
    /// appending to it. The rewrite goes to a temporary file renamed over the original.
    ///
    /// # Errors
    /// When the file cannot be written or renamed.
    pub fn rewrite(path: &Path, header: &JournalHeader, entries: &[JournalEntry]) -> io::Result<Journal> {
        let tmp = PathBuf::from(format!("{}.tmp", path.display()));
        {
            let mut j = Journal::create(&tmp, header)?;
            for e in entries {
                j.line(e)?;
            }
        }
        std::fs::rename(&tmp, path)?;
        Ok(Journal { file: OpenOptions::new().append(true).open(path)? })
    }

    /// Append an accepted event.
    ///
    /// # Errors
    /// When the line cannot be written or synced.
    pub fn append(&mut self, entry: &JournalEntry) -> io::Result<()> {
        self.line(entry)
    }

    fn line(&mut self, value: &impl serde::Serialize) -> io::Result<()> {
        self.file.write_all(journal_line(value).as_bytes())?;
        self.file.sync_data()
    }
}
