#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::form_fields(data));
