package atlas.cli;
public final class AtlasCommand { public static void main(String[] a) { System.out.println("hi"); } }
