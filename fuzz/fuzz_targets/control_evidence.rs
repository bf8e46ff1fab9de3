#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::control_evidence(data));
