//! The licensing simulator: replays operations on a tenant the way Microsoft Entra ID applies
//! them, and checks after every step that no user lost a license or a service and that no step
//! ran out of seats.

pub mod engine;
pub mod needs;
pub mod ops;
pub mod planset;
pub mod report;
pub mod rules;
pub mod smallmap;
pub mod state;

pub use engine::simulate;
