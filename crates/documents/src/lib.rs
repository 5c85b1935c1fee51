//! Printable documents: PDF pages (A4, A6) with tables, QR codes and Dari/Pashto text.
#![forbid(unsafe_code)]
