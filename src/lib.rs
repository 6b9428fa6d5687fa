//! Consilium: telexpertise case review for medical expert networks.
//!
//! Layers: `config` (settings), `domain` (rules, no I/O), `db` (rows on SQLite or PostgreSQL),
//! `auth` (passwords, tokens), `storage` (attachment bytes), `ingest` (DICOM de-identification), `http` (handlers), `api` (the contract's JSON shapes),
//! `startup` (the server), `cli` (commands).

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_templates;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod imaging;
pub mod ingest;
pub mod input;
pub mod live;
pub mod mail;
pub mod note;
pub mod pacs;
pub mod startup;
pub mod state;
pub mod storage;
pub mod usecase;
pub mod wire;
