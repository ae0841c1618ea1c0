pub mod catalog;
pub mod engagement;
pub mod event;
