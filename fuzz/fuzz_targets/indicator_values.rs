#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::indicator_values(data));
