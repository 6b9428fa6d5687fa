//! Mail (API.md section 12): notifications leave as mails through SMTP (`lettre`). A sender
//! task claims the due rows of the outbox, sends them and marks them; a failed try is tried
//! again with backoff for 24 hours. Mails carry the board, the dossier's reference, the
//! session's date and a link, never health data.

pub mod compose;
pub mod sender;

pub use sender::start;
