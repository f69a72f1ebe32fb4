//! The integration tests: one binary, so that the default project's World
//! (fonts, Typst's caches) and its build are shared by every test. Each
//! file is named after the stage it covers (`content_`, `prepare_`,
//! `print_`, `render_`, `build_`, `cli_`), or `e2e_` for the whole pipeline
//! at once; `rooms.rs` checks that no module imports from a stage above
//! it.

mod browser;
mod build_handouts;
mod build_incremental;
mod build_merged;
mod cli;
mod cli_preview;
mod common;
mod content_json_schema;
mod content_records;
mod content_validation;
mod diff;
mod e2e_hostile;
mod e2e_pamphlet;
mod prepare_images;
mod print_lint;
mod print_marks;
mod print_pdfx;
mod print_photos;
mod release_install;
mod render_visual;
mod rooms;
