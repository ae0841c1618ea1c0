pub mod catalog;
pub mod engagement;
pub mod event;
pub mod procedure;
