#![no_main]
rodtrad_fuzz::target!(|data| rodtrad_fuzz::lida_projection_csv(data));
