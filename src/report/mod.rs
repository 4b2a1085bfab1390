//! The report (SPEC §6): its types in one place (`types`) and how they are built (`build`).

pub mod build;
pub mod types;
