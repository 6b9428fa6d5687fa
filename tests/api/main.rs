#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: the real server on a random port, driven over HTTP, on SQLite and on
//! PostgreSQL. One test binary (see helpers.rs).

mod fixtures;
mod helpers;

mod access;
mod accounts;
mod attachments;
mod audit;
mod bad_input;
mod ballot_visibility;
mod boards;
mod capabilities;
mod cli;
mod contract;
mod deidentify;
mod dicom_series;
mod documents;
mod dossiers;
mod draft_board;
mod excel;
mod exports;
mod follow_ups;
mod hardening;
mod health;
mod imaging;
mod inbox;
mod layers;
mod live;
mod live_load;
mod live_process;
mod locale;
mod mail;
mod meetings;
mod oidc;
mod oidc_provider;
mod oidc_refusals;
mod record_images;
mod refresh;
mod review;
mod room_limits;
mod room_privacy;
mod s3;
mod security;
mod smtp;
mod standing;
mod template_exports;
mod templates;
mod twelve_bit;
mod view;
mod web;
mod ws;
