package atlas.metrics;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Runs an action when the process receives SIGUSR1, the signal logrotate's {@code postrotate} sends to make a
 * server reopen its log.
 * <p>
 * The JDK's only handler API is {@code sun.misc.Signal} (module jdk.unsupported). Naming it in source makes javac
 * print an "internal proprietary API" warning that no {@code @SuppressWarnings} silences, and the build runs with
 * {@code -Werror}; so it is reached reflectively. If the API is gone (a future JDK) or the JVM refuses the signal,
 * {@link #install} returns false and the caller relies on the writer noticing that the file was moved.
 */
public final class RotationSignal {
    private RotationSignal() {
    }

    /** Installs {@code action} for SIGUSR1; false (and nothing installed) when that is not possible. */
    public static boolean install(Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("USR1");
            InvocationHandler dispatch = (Object proxy, Method method, Object[] args) -> switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "atlas access-log rotation";
                default -> null;
            };
            Object handler = Proxy.newProxyInstance(RotationSignal.class.getClassLoader(),
                    new Class<?>[] {handlerClass}, dispatch);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
