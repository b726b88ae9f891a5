package atlas.posix;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs an action when the process receives a signal: SIGUSR1 (logrotate's {@code postrotate}: reopen the access
 * log), SIGHUP (reload the TLS certificate and the auth file). Several actions may share one signal: each
 * {@link #install} adds one, and the signal runs them all in the order they were installed.
 * <p>
 * The JDK's only handler API is {@code sun.misc.Signal} (module jdk.unsupported). Naming it in source makes javac
 * print an "internal proprietary API" warning that no {@code @SuppressWarnings} silences, and the build runs with
 * {@code -Werror}; so it is reached reflectively. If the API is gone (a future JDK) or the JVM refuses the signal
 * (e.g. {@code -Xrs}), {@link #install} returns false and the caller falls back to polling. Installing a handler
 * replaces the JVM's default action for that signal (for SIGHUP: exit).
 */
public final class Signals {
    /** Actions by signal name; the JVM handler of a signal is installed with its first action. */
    private static final Map<String, List<Runnable>> ACTIONS = new ConcurrentHashMap<>();

    private Signals() {
    }

    /**
     * Installs {@code action} for signal {@code name} ("USR1", "HUP"); {@code purpose} names the handler in thread
     * dumps. Returns false, with nothing installed, when that is not possible.
     */
    public static synchronized boolean install(String name, String purpose, Runnable action) {
        List<Runnable> actions = ACTIONS.get(name);
        if (actions != null) {
            actions.add(action);
            return true;
        }
        List<Runnable> fresh = new CopyOnWriteArrayList<>(List.of(action));
        if (installHandler(name, purpose, () -> fresh.forEach(Runnable::run))) {
            ACTIONS.put(name, fresh);
            return true;
        }
        return false;
    }

    private static boolean installHandler(String name, String purpose, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            InvocationHandler dispatch = (Object proxy, Method method, Object[] args) -> switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> purpose;
                default -> null;
            };
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    dispatch);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
