//! Load: the only stage that reads the site's sources (`sitegen.toml`, `content/`, `templates/`,
//! `static/`). It turns files into typed data with byte offsets; it must not interpret markdown
//! or relate papers to each other (that is `index`).

pub mod config;
pub mod content;
pub mod fields;
mod files;
pub mod reread;
pub mod url;

pub use files::decode;
