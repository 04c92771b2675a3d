//! The simulated cluster's parsers of user input: CronJob schedules and quantities.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (time, text) = data.split_at(8);
    let after = i64::from_le_bytes(time.try_into().unwrap_or([0; 8]));
    if let Ok(text) = std::str::from_utf8(text) {
        berth_sandbox::sim::fuzz_inputs(text, after);
    }
});
