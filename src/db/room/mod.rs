//! The live room's durable side, by what it stores: the event log with its gap-free `seq`
//! (`events`), votes and ballots (`votes`), request ids for idempotency (`requests`), and who
//! is present on which instance (`presence`). Rows and queries only: the rules are in
//! `domain::room_access` and `usecase::room`.

pub mod events;
pub mod presence;
pub mod requests;
pub mod votes;

pub use events::Committed;
pub use votes::VoteRow;
