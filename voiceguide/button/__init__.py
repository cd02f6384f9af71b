"""One button as a command source: a GPIO push button or any input device that sends keys
(presenter clicker, media button, foot pedal). Presses become the same Command events as voice
and keys. gpiozero and evdev are imported only when a button is actually opened."""
