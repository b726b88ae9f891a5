package atlas.cli;

import atlas.store.ObjectNames;

/** Client-side name validation, so a bad name is reported before any byte is sent or written. */
final class NameCheck {
    private NameCheck() {
    }

    /** Null when {@code name} is a valid object name, else the reason. */
    static String problem(String name) {
        try {
            ObjectNames.requireValid(name);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage(); // the store words it: "bad object name 'x': why"
        }
    }
}
