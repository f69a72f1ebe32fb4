//! The integration tests: one binary, so that the default project's World
//! (fonts, Typst's caches) and its build are shared by every test.

mod cli;
mod common;
mod editor;
mod handouts;
mod hostile;
mod images;
mod incremental;
mod lint;
mod pamphlet;
mod pdfx;
mod photos;
mod preview;
mod print;
mod records;
mod validation;
mod visual;
