#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::element_draft(data));
