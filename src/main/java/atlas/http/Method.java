package atlas.http;

/** Request methods the server knows; anything else parses as {@link #OTHER} and is answered 501. */
public enum Method {
    GET, HEAD, PUT, POST, DELETE, OPTIONS, OTHER
}
