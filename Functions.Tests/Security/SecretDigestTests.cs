using System.Security.Cryptography;
using System.Text;
using ServerlessAuth.Security;

namespace ServerlessAuth.Tests.Security;

/// <summary>The stored form of secrets and its comparison: a wrong digest here would lock every key out, or let one in.</summary>
public sealed class SecretDigestTests
{
    [Theory]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Compute_IsTheLowercaseHexSha256OfTheUtf8Bytes(string secret, string expected) =>
        Assert.Equal(expected, SecretDigest.Compute(secret));

    [Theory]
    [InlineData(100)]
    [InlineData(169)] // the longest whose UTF-8 bound, (n + 1) × 3 bytes, fits the 512-byte stack buffer
    [InlineData(170)]
    [InlineData(5000)]
    public void Compute_GivesTheSameDigestForShortAndLongSecretsAndNonAsciiOnes(int length)
    {
        var secret = string.Concat(Enumerable.Range(0, length).Select(i => i % 7 == 0 ? 'é' : (char)('a' + (i % 26))));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), SecretDigest.Compute(secret));
    }

    [Theory]
    [InlineData("0123abcd", "0123abcd", true)]
    [InlineData("0123abcd", "0123abce", false)]
    [InlineData("0123abcd", "0123abc", false)]
    [InlineData("", "", true)]
    [InlineData("é", "è", false)] // an ASCII encoding would have read both as '?'
    public void FixedTimeEquals_IsOrdinalEquality(string a, string b, bool equal) =>
        Assert.Equal(equal, SecretDigest.FixedTimeEquals(a, b));
}
