// Starts the NHS.UK frontend components (header menu, skip link, notification banners and the rest).
// A file rather than an inline script so that a Content-Security-Policy of script-src 'self' allows it.
import { initAll } from "/assets/nhsuk-frontend.min.js";

initAll();
